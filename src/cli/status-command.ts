import { loadConfig } from '../config/config.ts';
import { computeProgress } from '../core/progress.ts';
import { openDatabase } from '../store/open-database.ts';
import { sessionStore } from '../store/session-store.ts';
import type { CliCommand } from './command.ts';

export const statusCommand: CliCommand = {
  name: 'status',
  summary: 'Show recent sync sessions: status, phase, counts, progress',
  usage: `Usage: stridesync status [--user <id>] [--limit N]

Lists the most recent sync sessions (newest first) of every user, or of one, with their
status, phase, counts, percent and ETA, and the error of any that failed.
The embedded database serves one process: stop 'stridesync start' first, or use the API.

Options:
  --user <id>   Only this user's sessions.
  --limit N     How many sessions (default 20).`,
  options: { user: { type: 'string' }, limit: { type: 'string' } },
  async run(values) {
    const limit = Number(values.limit ?? 20);
    const db = await openDatabase(loadConfig().database, { max: 1 });
    try {
      const sessions = await sessionStore.list(db, {
        userId: typeof values.user === 'string' ? values.user : null,
        limit: Number.isInteger(limit) && limit > 0 ? limit : 20,
      });
      if (sessions.length === 0) process.stdout.write('No sync sessions yet.\n');
      for (const s of sessions) {
        const p = computeProgress(s, Date.now());
        const percent = p.percent === null ? '?' : `${p.percent}%`;
        const eta = p.etaSeconds ? `, ETA ${Math.round(p.etaSeconds)} s` : '';
        const waiting = p.waitingUntil ? `, waiting until ${p.waitingUntil}` : '';
        process.stdout.write(
          `${s.id}  ${s.kind.padEnd(11)} ${s.status.padEnd(12)} ${(s.phase ?? '-').padEnd(14)} ` +
            `${percent}${eta}${waiting}  stored ${s.activities_stored}, skipped ${s.activities_skipped}, ` +
            `enriched ${s.activities_enriched}  (user ${s.user_id}, ${s.created_at.toISOString()})\n`,
        );
        if (s.error_code)
          process.stdout.write(`    ${s.error_code}: ${s.error_message} ${s.error_hint ?? ''}\n`);
      }
    } finally {
      await db.close();
    }
  },
};
