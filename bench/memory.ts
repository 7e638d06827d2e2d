import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { BenchSize } from './bench-results.ts';
import { startBenchWorld } from './bench-world.ts';
import { print, table } from './report-format.ts';
import { LOCAL_POSTGRES_URL, withScratchPostgres } from './scratch-postgres.ts';
import { insertBenchUser } from './sync-history.ts';

/**
 * B3, memory: the peak RSS of a worker process backfilling a short and a long history. The
 * worker (bench/memory-worker.ts) is the real runner in a process of its own, storing into
 * Postgres, against the Strava simulator served from this process; it keeps only a slice (a
 * page of 200) at a time, so its peak should not grow with the history. The simulator's limits
 * are lifted (this measures memory, not pacing); stridesync's own ledger still paces the sync,
 * on the worker's manual clock.
 */
const START_AT = '2026-11-28T12:00:00Z';
const RUNNER_ID = 'b3b3b3b3-0000-4000-8000-000000000003';
const NO_LIMIT = { fifteenMinute: 1_000_000, daily: 1_000_000 };
const run = promisify(execFile);

export interface MemoryFigures {
  activities: number;
  runsStored: number;
  syncMs: number;
  /**
   * The worker's RSS once loaded, before the sync; its peak (getrusage); the heap's peak
   * (sampled) and what it still held after a full collection at the end.
   */
  beforeRssBytes: number;
  peakRssBytes: number;
  peakHeapBytes: number;
  retainedHeapBytes: number;
}

export async function benchMemory(size: BenchSize): Promise<MemoryFigures[]> {
  const histories = size.full ? [1_000, 50_000] : [200, 2_000];
  const figures: MemoryFigures[] = [];
  for (const activities of histories) figures.push(await measure(activities));
  return figures;
}

async function measure(activities: number): Promise<MemoryFigures> {
  const world = await startBenchWorld(START_AT, [
    { seed: `bench-memory-${activities}`, activityCount: activities, years: 20 },
  ]);
  try {
    world.sims.strava.rateLimiter().limits = { overall: NO_LIMIT, read: NO_LIMIT };
    const athleteId = [...world.sims.strava.athletes.keys()][0] as number;
    const url = process.env.BENCH_POSTGRES_URL ?? LOCAL_POSTGRES_URL;
    return await withScratchPostgres(url, async ({ db, url: databaseUrl }) => {
      await insertBenchUser(db, RUNNER_ID, 'memory@bench.stridesync.local');
      const input = {
        databaseUrl,
        startAt: START_AT,
        urls: world.urls,
        stravaApp: world.sims.stravaApp,
        tokens: world.sims.strava.issueTokens(athleteId, ['read', 'activity:read_all']),
        runner: { label: `memory-${activities}`, userId: RUNNER_ID, athleteId },
      };
      const { stdout } = await run(
        process.execPath,
        ['--expose-gc', '--import', 'tsx', path.join(import.meta.dirname, 'memory-worker.ts')],
        { env: { ...process.env, MEMORY_WORKER: JSON.stringify(input) }, maxBuffer: 1 << 20 },
      );
      const worker = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Omit<
        MemoryFigures,
        'activities' | 'runsStored'
      >;
      const { rows } = await db.query<{ n: number }>('select count(*)::int as n from activities');
      return { activities, runsStored: rows[0]?.n ?? 0, ...worker };
    });
  } finally {
    await world.close();
  }
}

export function printMemory(figures: MemoryFigures[]): void {
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  const first = figures[0];
  print('', '## B3 memory: a worker backfilling a short and a long history', '');
  table(
    [
      'activities',
      'runs stored',
      'sync',
      'RSS before',
      'peak RSS',
      'peak heap',
      'heap kept after',
      'peak RSS / first',
    ],
    figures.map((f) => [
      String(f.activities),
      String(f.runsStored),
      `${(f.syncMs / 1000).toFixed(1)} s`,
      mb(f.beforeRssBytes),
      mb(f.peakRssBytes),
      mb(f.peakHeapBytes),
      mb(f.retainedHeapBytes),
      first ? `${(f.peakRssBytes / first.peakRssBytes).toFixed(2)}×` : '',
    ]),
  );
}
