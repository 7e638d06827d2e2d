import { loadConfig } from '../config/config.ts';
import { NotFoundError } from '../core/errors.ts';
import { openDatabase } from '../store/open-database.ts';
import { listEvents, sessionStore } from '../store/session-store.ts';
import { type CliCommand, CliUsageError } from './command.ts';

export const inspectCommand: CliCommand = {
  name: 'inspect',
  summary: 'Print the timeline of one sync session',
  usage: `Usage: stridesync inspect <session id>

Prints the session's timeline (sync_events) in order: when it started or resumed, each phase,
each slice stored (with what was skipped and why), waits for the rate limit, hand-offs,
retries, and how it ended. For a runbook: what happened, and where it stopped.`,
  positionals: { min: 1, max: 1 },
  async run(_values, [sessionId]) {
    if (!sessionId || !/^[0-9a-f-]{36}$/i.test(sessionId))
      throw new CliUsageError(`'${sessionId}' is not a session id`);
    const db = await openDatabase(loadConfig().database, { max: 1 });
    try {
      const session = await sessionStore.get(db, sessionId);
      if (!session) {
        throw new NotFoundError({
          code: 'sync_not_found',
          userMessage: `There is no sync session ${sessionId}.`,
          hint: "List recent ones with 'stridesync status'.",
        });
      }
      process.stdout.write(
        `${session.kind} session ${sessionId}: ${session.status} (correlation id ${session.correlation_id})\n`,
      );
      for (const event of await listEvents(db, sessionId)) {
        process.stdout.write(
          `${event.created_at.toISOString()}  ${event.type.padEnd(18)} ${JSON.stringify(event.payload)}\n`,
        );
      }
    } finally {
      await db.close();
    }
  },
};
