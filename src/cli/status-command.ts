import { type SessionView, sessionView } from '../api/session-view.ts';
import { loadConfig } from '../config/config.ts';
import { openDatabase } from '../store/open-database.ts';
import { sessionStore } from '../store/session-store.ts';
import type { CliCommand } from './command.ts';
import { findLocalServer, requireServerUser, throughServer } from './local-server.ts';

/** The most sessions the API lists at once (GET /api/syncs?limit=). */
const API_LIST_MAX = 50;

export const statusCommand: CliCommand = {
  name: 'status',
  summary: 'Show recent sync sessions: status, phase, counts, progress',
  usage: `Usage: stridesync status [--user <id>] [--limit N]

Lists the most recent sync sessions (newest first) of every user, or of one, with their
status, phase, counts, percent and ETA, and the error of any that failed.
Reads the database the environment names; while 'stridesync start' holds the embedded
database, asks that server instead (its one user's sessions, at most ${API_LIST_MAX}).

Options:
  --user <id>   Only this user's sessions.
  --limit N     How many sessions (default 20).`,
  options: { user: { type: 'string' }, limit: { type: 'string' } },
  async run(values) {
    const asked = Number(values.limit ?? 20);
    const limit = Number.isInteger(asked) && asked > 0 ? asked : 20;
    const userId = typeof values.user === 'string' ? values.user : null;
    const config = loadConfig();
    const server = await findLocalServer(config);
    if (server) {
      if (userId) requireServerUser(server, userId);
      const sessions = await throughServer(() =>
        server.client.listSyncs(Math.min(limit, API_LIST_MAX)),
      );
      printSessions(sessions.map((view) => ({ view, userId: server.user.id })));
      return;
    }
    const db = await openDatabase(config.database, { max: 1 });
    try {
      const rows = await sessionStore.list(db, { userId, limit });
      const now = Date.now();
      printSessions(rows.map((row) => ({ view: sessionView(row, now), userId: row.user_id })));
    } finally {
      await db.close();
    }
  },
};

/** One line a session (two with its error), the same read directly or through the API. */
function printSessions(sessions: { view: SessionView; userId: string }[]): void {
  if (sessions.length === 0) process.stdout.write('No sync sessions yet.\n');
  for (const { view: s, userId } of sessions) {
    const p = s.progress;
    const percent = p.percent === null ? '?' : `${p.percent}%`;
    const eta = p.etaSeconds ? `, ETA ${Math.round(p.etaSeconds)} s` : '';
    const waiting = p.waitingUntil ? `, waiting until ${p.waitingUntil}` : '';
    process.stdout.write(
      `${s.id}  ${s.kind.padEnd(11)} ${s.status.padEnd(12)} ${(s.phase ?? '-').padEnd(14)} ` +
        `${percent}${eta}${waiting}  stored ${s.counts.stored}, skipped ${s.counts.skipped}, ` +
        `enriched ${s.counts.enriched}  (user ${userId}, ${s.createdAt})\n`,
    );
    if (s.error)
      process.stdout.write(`    ${s.error.code}: ${s.error.message} ${s.error.hint ?? ''}\n`);
  }
}
