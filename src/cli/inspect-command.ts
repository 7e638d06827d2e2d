import type { TimelineEventView } from '../api/contract.ts';
import { loadConfig } from '../config/config.ts';
import { NotFoundError } from '../core/errors.ts';
import { computeProgress, type Progress } from '../core/progress.ts';
import { openDatabase } from '../store/open-database.ts';
import { listEvents, sessionStore } from '../store/session-store.ts';
import { type CliCommand, CliUsageError } from './command.ts';
import { findLocalServer, throughServer } from './local-server.ts';
import { waitingText } from './progress-line.ts';

export const inspectCommand: CliCommand = {
  name: 'inspect',
  summary: 'Print the timeline of one sync session',
  usage: `Usage: stridesync inspect <session id>

Prints the session's timeline (sync_events) in order: when it started or resumed, each phase,
each slice stored (with what was skipped and why), waits for the rate limit, hand-offs,
retries, and how it ended. For a runbook: what happened, and where it stopped.
Reads the database the environment names; while 'stridesync start' holds the embedded
database, asks that server instead (GET /api/syncs/:id and its timeline).`,
  positionals: { min: 1, max: 1 },
  async run(_values, [sessionId]) {
    if (!sessionId || !/^[0-9a-f-]{36}$/i.test(sessionId))
      throw new CliUsageError(`'${sessionId}' is not a session id`);
    const config = loadConfig();
    const server = await findLocalServer(config);
    if (server) {
      const { client } = server;
      const [session, timeline] = await throughServer(() =>
        Promise.all([client.getSync(sessionId), client.syncTimeline(sessionId)]),
      ).catch((error: unknown) => {
        throw error instanceof NotFoundError ? noSuchSession(sessionId) : error;
      });
      printTimeline({ ...session, correlation_id: session.correlationId }, sessionId, timeline);
      return;
    }
    const db = await openDatabase(config.database, { max: 1 });
    try {
      const session = await sessionStore.get(db, sessionId);
      if (!session) throw noSuchSession(sessionId);
      const events = await listEvents(db, sessionId);
      printTimeline(
        { ...session, progress: computeProgress(session, Date.now()) },
        sessionId,
        events.map((e) => ({
          type: e.type,
          payload: e.payload as TimelineEventView['payload'],
          createdAt: e.created_at.toISOString(),
        })),
      );
    } finally {
      await db.close();
    }
  },
};

/** The header names the wait of a session parked for a window: whose, and how long. */
function printTimeline(
  session: {
    kind: string;
    status: string;
    correlation_id: string | null;
    progress: Pick<Progress, 'waitingFor' | 'waitingUntil'>;
  },
  sessionId: string,
  events: TimelineEventView[],
): void {
  const { waitingFor, waitingUntil } = session.progress;
  const wait =
    waitingFor && waitingUntil ? `, ${waitingText(waitingFor, waitingUntil, Date.now())}` : '';
  process.stdout.write(
    `${session.kind} session ${sessionId}: ${session.status}${wait} (correlation id ${session.correlation_id})\n`,
  );
  for (const event of events) {
    process.stdout.write(
      `${event.createdAt}  ${event.type.padEnd(18)} ${JSON.stringify(event.payload)}\n`,
    );
  }
}

function noSuchSession(sessionId: string): NotFoundError {
  return new NotFoundError({
    code: 'sync_not_found',
    userMessage: `There is no sync session ${sessionId}.`,
    hint: "List recent ones with 'stridesync status'.",
  });
}
