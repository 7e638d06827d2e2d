import { loadConfig } from '../config/config.ts';
import { NotFoundError } from '../core/errors.ts';
import { openDatabase } from '../store/open-database.ts';
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
      const { rows: sessions } = await db.query<{
        status: string;
        kind: string;
        correlation_id: string;
      }>('select status, kind, correlation_id from sync_sessions where id = $1', [sessionId]);
      const session = sessions[0];
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
      const { rows } = await db.query<{ created_at: Date; type: string; payload: unknown }>(
        'select created_at, type, payload from sync_events where session_id = $1 order by id',
        [sessionId],
      );
      for (const event of rows) {
        process.stdout.write(
          `${event.created_at.toISOString()}  ${event.type.padEnd(18)} ${JSON.stringify(event.payload)}\n`,
        );
      }
    } finally {
      await db.close();
    }
  },
};
