import { loadConfig } from '../config/config.ts';
import { ConfigError } from '../core/errors.ts';
import { openDatabase } from '../store/open-database.ts';
import { type UsageStats, usageStats } from '../store/usage-stats.ts';
import { type CliCommand, CliUsageError } from './command.ts';
import { findLocalServer } from './local-server.ts';

export const statsCommand: CliCommand = {
  name: 'stats',
  summary: 'Sync sessions per day, success rate, durations, coverage and budget use',
  usage: `Usage: stridesync stats [--days N]

For an operator, over every user: sync sessions started per day (and how many completed or
failed), the success rate and median duration of the sessions that ended, Strava listing
pages read per completed sync, weather and place coverage of the stored runs, and each API
budget's current window (used of its limit).
Reads the database the environment names.

Options:
  --days N   How many days back (default 7).`,
  options: { days: { type: 'string' } },
  async run(values) {
    const days = Number(values.days ?? 7);
    if (!Number.isInteger(days) || days < 1 || days > 366)
      throw new CliUsageError(`--days must be a whole number from 1 to 366 (got '${values.days}')`);
    const config = loadConfig();
    const server = await findLocalServer(config);
    if (server) {
      throw new ConfigError({
        code: 'stats_beside_local_server',
        userMessage: `The stridesync server at ${server.url} (pid ${server.pid}) holds the embedded database, and its API serves one user's view, not an operator's totals.`,
        hint: `Stop that server and run 'stridesync stats' again, or run the install on Postgres (DATABASE_URL) to read them beside it; '${server.url}/api/metrics' shows the totals meanwhile.`,
      });
    }
    const db = await openDatabase(config.database, { max: 1 });
    try {
      process.stdout.write(formatStats(await usageStats(db, days), days));
    } finally {
      await db.close();
    }
  },
};

function formatStats(s: UsageStats, days: number): string {
  const out: string[] = [`Sync sessions, last ${days} day(s) (UTC):`];
  if (s.days.length === 0) out.push('  none started');
  for (const d of s.days)
    out.push(`  ${d.day}  started ${d.started}, completed ${d.completed}, failed ${d.failed}`);
  const { completed, failed, cancelled } = s.ended;
  const decided = completed + failed;
  const rate = decided === 0 ? 'n/a' : `${((100 * completed) / decided).toFixed(1)}%`;
  out.push(
    `Ended: ${completed} completed, ${failed} failed, ${cancelled} cancelled; success rate ${rate} (completed of completed + failed)`,
    `Median duration of a completed sync: ${s.medianDurationS === null ? 'n/a' : `${s.medianDurationS.toFixed(1)} s`}`,
    `Strava listing pages per completed sync: ${s.pagesPerRun === null ? 'n/a' : s.pagesPerRun.toFixed(1)}`,
    `Weather coverage: ${coverage(s.coverage.weather)}`,
    `Place coverage:   ${coverage(s.coverage.place)}`,
    'Budgets (current windows):',
  );
  if (s.budgets.length === 0) out.push('  no calls in any open window');
  for (const b of s.budgets) {
    const share = b.limit === 0 ? 'n/a' : `${Math.round((100 * b.used) / b.limit)}%`;
    out.push(
      `  ${b.provider} ${b.bucket}: ${b.used} of ${b.limit} (${share}), until ${b.windowEnd.toISOString()}`,
    );
  }
  return `${out.join('\n')}\n`;
}

/** `enriched 40 of 50 (80.0%), pending 8, unavailable 2`; not-applicable runs (no GPS) excluded. */
function coverage(counts: Record<string, number>): string {
  const enriched = counts.enriched ?? 0;
  const applicable = Object.entries(counts)
    .filter(([status]) => status !== 'not_applicable')
    .reduce((sum, [, n]) => sum + n, 0);
  if (applicable === 0) return 'no runs to enrich';
  const rest = ['pending', 'unavailable'].map((status) => `${status} ${counts[status] ?? 0}`);
  return `enriched ${enriched} of ${applicable} (${((100 * enriched) / applicable).toFixed(1)}%), ${rest.join(', ')}`;
}
