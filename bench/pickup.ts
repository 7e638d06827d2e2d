import { randomBytes } from 'node:crypto';
import { loadConfig } from '../src/config/config.ts';
import type { SyncSessionRow } from '../src/core/sync-session.ts';
import { createLogger } from '../src/observability/logger.ts';
import { bossDatabase } from '../src/queue/boss-database.ts';
import { type JobQueue, openJobQueue, QUEUES } from '../src/queue/job-queue.ts';
import { type StartSyncInput, startSync } from '../src/queue/start-sync.ts';
import { startWorkers } from '../src/queue/start-workers.ts';
import type { Database } from '../src/store/database.ts';
import { sessionStore } from '../src/store/session-store.ts';
import { createConnectionStore } from '../src/strava/connection-store.ts';
import { createTokenCipher } from '../src/strava/token-crypto.ts';
import type { BenchSize } from './bench-results.ts';
import { type BenchWorld, startBenchWorld } from './bench-world.ts';
import { print, table } from './report-format.ts';
import { LOCAL_POSTGRES_URL, withScratchPostgres } from './scratch-postgres.ts';
import { percentile } from './stats.ts';
import {
  type BenchRunner,
  benchSyncDeps,
  insertBenchUser,
  saveRunnerTokens,
} from './sync-history.ts';
import { createWarpClock } from './warp-clock.ts';

/**
 * `npm run bench -- pickup [--full]` (B1, first run visible in a deployed worker): how long after
 * the runner presses Sync a worker takes the job and the first run is in the database, through
 * the queue as deployed: a worker (`startWorkers` with the configuration's defaults, polling
 * every 2 s) on a scratch Postgres, the Strava simulator answering in 150 ms. Each sync is
 * requested at a random moment of the poll's 2 s, on an idle worker, and runs to its end before
 * the next. Side by side, interleaved: syncs started as stridesync starts them (`startSync`,
 * which rings the job bell) and syncs whose job is sent without the bell, as before it, found
 * by the poll alone.
 */
interface PickupSize {
  /** Syncs measured each way. */
  syncs: number;
  activities: number;
}

const QUICK: PickupSize = { syncs: 4, activities: 30 };
/**
 * Every sync spends 3 reads (the athlete, the stats, one page) of the application's 100 a
 * quarter hour, shared by all the runners: 2 × 15 syncs fit in one window, and more would wait
 * out a window in the middle of the measurement.
 */
const FULL: PickupSize = { syncs: 15, activities: 30 };
const START_AT = '2026-03-02T00:00:00Z';
const LATENCY_MS = 150;
const WATCH_MS = 10;

type Start = 'job bell' | 'poll only';

interface Trial {
  start: Start;
  /** From the request to the session leaving `queued` (a worker took the job). */
  pickedUpMs: number;
  /** From the request to the first of the runner's runs in the database. */
  firstRunMs: number;
}

export interface PickupFigures {
  size: PickupSize;
  pollingIntervalS: number;
  latencyMs: number;
  trials: Trial[];
}

export async function benchPickup(size: BenchSize): Promise<PickupFigures> {
  const spec = size.full ? FULL : QUICK;
  const world = await startBenchWorld(
    START_AT,
    Array.from({ length: spec.syncs * 2 }, (_, i) => ({
      seed: `pickup-${i}`,
      activityCount: spec.activities,
      years: 1,
    })),
    createWarpClock(START_AT),
  );
  world.sims.strava.faults.set({ latencyMs: LATENCY_MS });
  const settings = { ...loadConfig({}).worker, schedules: null };
  const adminUrl = process.env.BENCH_POSTGRES_URL ?? LOCAL_POSTGRES_URL;
  try {
    return await withScratchPostgres(adminUrl, async ({ db }) => {
      const runners = await connectRunners(world, db);
      const queue = await openJobQueue(db, { logger: createLogger('silent'), work: false });
      const workers = await startWorkers(runnersDeps(world, db, runners.tokenKey), settings);
      try {
        const trials: Trial[] = [];
        for (const [i, runner] of runners.list.entries()) {
          // Interleaved, so both ways meet the same machine.
          const start: Start = i % 2 === 0 ? 'job bell' : 'poll only';
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 2000));
          trials.push(await measureTrial(db, queue, runner, start));
        }
        return {
          size: spec,
          pollingIntervalS: settings.pollingIntervalS,
          latencyMs: LATENCY_MS,
          trials,
        };
      } finally {
        await workers.stop();
        await queue.stop({ timeoutMs: 0 });
      }
    });
  } finally {
    await world.close();
  }
}

async function connectRunners(world: BenchWorld, db: Database) {
  const tokenKey = randomBytes(32);
  const connections = createConnectionStore(createTokenCipher([{ version: 1, key: tokenKey }]));
  const list: BenchRunner[] = [];
  for (const [i, athleteId] of [...world.sims.strava.athletes.keys()].entries()) {
    const runner = {
      label: `pickup-${i}`,
      userId: `b1b1b1b1-0000-4000-8000-${String(i).padStart(12, '0')}`,
      athleteId,
    };
    await insertBenchUser(db, runner.userId, `${runner.label}@bench.stridesync.local`);
    await saveRunnerTokens(world, db, connections, runner);
    list.push(runner);
  }
  return { list, tokenKey };
}

function runnersDeps(world: BenchWorld, db: Database, tokenKey: Buffer) {
  const connections = createConnectionStore(createTokenCipher([{ version: 1, key: tokenKey }]));
  return benchSyncDeps(world, db, connections);
}

async function measureTrial(
  db: Database,
  queue: JobQueue,
  runner: BenchRunner,
  start: Start,
): Promise<Trial> {
  const input = { userId: runner.userId, kind: 'backfill' as const, correlationId: runner.label };
  const requested = performance.now();
  const session =
    start === 'job bell'
      ? (await startSync(db, queue, input)).session
      : await startWithoutBell(db, queue, input);
  let pickedUpMs: number | undefined;
  let firstRunMs: number | undefined;
  for (;;) {
    const { rows } = await db.query<{ status: string; runs: number }>(
      `select status, (select count(*)::int from activities where user_id = $2) as runs
       from sync_sessions where id = $1`,
      [session.id, runner.userId],
    );
    const row = rows[0];
    const at = performance.now() - requested;
    if (row && row.status !== 'queued') pickedUpMs ??= at;
    if (row && row.runs > 0) firstRunMs ??= at;
    if (row?.status === 'failed') throw new Error(`the sync of ${runner.label} failed`);
    if (row?.status === 'completed' && pickedUpMs !== undefined && firstRunMs !== undefined)
      return { start, pickedUpMs, firstRunMs };
    await new Promise((resolve) => setTimeout(resolve, WATCH_MS));
  }
}

/** The job as it was sent before the job bell: found by a worker's poll alone. */
function startWithoutBell(
  db: Database,
  queue: JobQueue,
  input: StartSyncInput,
): Promise<SyncSessionRow> {
  return db.withTransaction(async (tx) => {
    const { session } = await sessionStore.start(tx, input);
    await queue.boss.send(
      QUEUES.sync,
      { userId: input.userId, correlationId: input.correlationId },
      { singletonKey: input.userId, db: bossDatabase(tx) },
    );
    return session;
  });
}

export function printPickup(figures: PickupFigures): void {
  print(
    '',
    '## First run visible through a worker (B1)',
    '',
    `${figures.size.syncs} syncs each way, ${figures.size.activities} activities each; the worker polls every ${figures.pollingIntervalS} s; Strava answers in ${figures.latencyMs} ms.`,
    '',
  );
  const ms = (n: number) => `${Math.round(n)} ms`;
  const spread = (values: number[]) =>
    `${ms(percentile(values, 0.5))} / ${ms(percentile(values, 0.95))} / ${ms(Math.max(...values))}`;
  const byStart = (start: Start) => figures.trials.filter((t) => t.start === start);
  table(
    ['start', 'syncs', 'picked up: p50 / p95 / max', 'first run visible: p50 / p95 / max'],
    (['job bell', 'poll only'] as const).map((start) => {
      const trials = byStart(start);
      return [
        start,
        String(trials.length),
        spread(trials.map((t) => t.pickedUpMs)),
        spread(trials.map((t) => t.firstRunMs)),
      ];
    }),
  );
  const median = (start: Start) =>
    percentile(
      byStart(start).map((t) => t.firstRunMs),
      0.5,
    );
  print(
    '',
    `First run visible, p50: poll only ÷ job bell = ${(median('poll only') / median('job bell')).toFixed(1)}×`,
  );
}
