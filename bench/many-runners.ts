import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { RateLimitPair } from '../sim/strava/types.ts';
import { createLogger } from '../src/observability/logger.ts';
import { type JobQueue, openJobQueue, QUEUES } from '../src/queue/job-queue.ts';
import { startSync } from '../src/queue/start-sync.ts';
import { createSyncWorker, type SyncJob } from '../src/queue/sync-worker.ts';
import type { Database } from '../src/store/database.ts';
import { sessionStore } from '../src/store/session-store.ts';
import { createConnectionStore } from '../src/strava/connection-store.ts';
import { createTokenCipher } from '../src/strava/token-crypto.ts';
import type { BenchSize } from './bench-results.ts';
import { type BenchWorld, startBenchWorld } from './bench-world.ts';
import { duration, print, table } from './report-format.ts';
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
 * B5, many runners (`npm run bench -- many-runners [--full]`): runners of a range of history
 * sizes backfilled through the queue on one scratch Postgres database and one Strava
 * application (the simulator over HTTP, served from this process, one set of app-wide limits).
 *
 * - **Throughput** (the simulator's limits lifted: the budget is not the limit; 150 ms a
 *   request): 1, 2 and 4 worker processes (bench/many-runners-worker.ts, what `stridesync worker`
 *   runs with its defaults) work every runner's backfill, queued at once, largest first. Runs
 *   stored per minute of wall time, each runner's finish, 429s, and the most connections the
 *   processes held at once.
 * - **Budget as the limit** (Strava's published limits, 100 reads a quarter hour and 1,000 a
 *   day): the same runners behind a backfill queued first, worked by one worker (the runner and
 *   the job handler of `stridesync worker`) taking jobs in the order pg-boss hands them out, on
 *   the wall clock fast-forwarded to each window's reset (warp-clock.ts). Twice: in the jobs'
 *   age alone (the order before fair turns: `fetch` without priority) and with fair turns
 *   (docs/queue.md). Each runner's finish, measured from the moment all were queued.
 *
 * Enrichment is not part of B5: the runs are stored waiting for weather and place.
 */
export interface ManyRunnersSize {
  runners: number;
  minActivities: number;
  maxActivities: number;
  /** The backfill queued ahead of the runners in the budget part. */
  largeActivities: number;
  /** The simulator's read limits in the budget part. */
  readLimits: RateLimitPair;
  workers: number[];
}

export const QUICK_SIZE: ManyRunnersSize = {
  runners: 12,
  minActivities: 100,
  maxActivities: 500,
  largeActivities: 2_000,
  readLimits: { fifteenMinute: 10, daily: 100 },
  workers: [1, 2, 4],
};

export const FULL_SIZE: ManyRunnersSize = {
  runners: 200,
  minActivities: 500,
  maxActivities: 5_000,
  largeActivities: 50_000,
  readLimits: { fifteenMinute: 100, daily: 1_000 },
  workers: [1, 2, 4],
};

const START_AT = '2026-03-02T00:00:00Z';
const LATENCY_MS = 150;
const NO_LIMIT = { fifteenMinute: 10_000_000, daily: 10_000_000 };
const POLL_MS = 250;
const DAY_MS = 86_400_000;

export interface RunnerFinish {
  activities: number;
  /** From the moment every sync was queued to its session's `finished_at`. */
  finishMs: number;
  /** Strava calls its session made: the athlete and their stats (two), and one per page. */
  stravaCalls: number;
}

export interface ThroughputFigures {
  workers: number;
  wallMs: number;
  runsStored: number;
  runsPerMinute: number;
  stravaCalls: number;
  refused: number;
  medianFinishMs: number;
  lastFinishMs: number;
  /** The most connections to the scratch database at once (sampled every 250 ms). */
  peakConnections: number;
}

export interface BudgetFigures {
  order: 'age' | 'fair';
  stravaCalls: number;
  refused: number;
  large: RunnerFinish;
  runners: RunnerFinish[];
  firstFinishMs: number;
  medianFinishMs: number;
  lastFinishMs: number;
}

export interface ManyRunnersFigures {
  size: ManyRunnersSize;
  activities: number;
  latencyMs: number;
  throughput: ThroughputFigures[];
  budget: BudgetFigures[];
}

export async function benchManyRunners(size: BenchSize): Promise<ManyRunnersFigures> {
  const spec = size.full ? FULL_SIZE : QUICK_SIZE;
  const counts = historySizes(spec);
  const world = await startBenchWorld(
    START_AT,
    [
      ...counts.map((activityCount, i) => ({
        seed: `b5-runner-${i}`,
        activityCount,
        years: Math.max(2, Math.ceil(activityCount / 250)),
      })),
      {
        seed: 'b5-large',
        activityCount: spec.largeActivities,
        years: Math.ceil(spec.largeActivities / 250),
      },
    ],
    createWarpClock(START_AT),
  );
  try {
    const athletes = [...world.sims.strava.athletes.keys()];
    const runners = counts.map((activities, i) => ({
      activities,
      runner: benchRunner(`runner-${i}`, i, athletes[i] as number),
    }));
    const large = {
      activities: spec.largeActivities,
      runner: benchRunner('large', counts.length, athletes[counts.length] as number),
    };
    const published = structuredClone(world.sims.strava.rateLimiter().limits);
    world.sims.strava.faults.set({ latencyMs: LATENCY_MS });
    world.sims.strava.rateLimiter().limits = { overall: NO_LIMIT, read: NO_LIMIT };
    const throughput: ThroughputFigures[] = [];
    for (const workers of spec.workers)
      throughput.push(await measureThroughput(world, runners, workers));
    // The budget part counts windows, not milliseconds: the latency would only add wall time.
    world.sims.strava.faults.set({ latencyMs: 0 });
    world.sims.strava.rateLimiter().limits = { overall: published.overall, read: spec.readLimits };
    const budget: BudgetFigures[] = [];
    for (const order of ['age', 'fair'] as const)
      budget.push(await measureBudget(world, large, runners, order));
    return {
      size: spec,
      activities: counts.reduce((sum, n) => sum + n, 0),
      latencyMs: LATENCY_MS,
      throughput,
      budget,
    };
  } finally {
    await world.close();
  }
}

/** `runners` history sizes spread evenly from the smallest to the largest. */
function historySizes(spec: ManyRunnersSize): number[] {
  const step = (spec.maxActivities - spec.minActivities) / Math.max(1, spec.runners - 1);
  return Array.from({ length: spec.runners }, (_, i) => Math.round(spec.minActivities + i * step));
}

function benchRunner(label: string, index: number, athleteId: number): BenchRunner {
  const suffix = String(index).padStart(12, '0');
  return { label, userId: `b5b5b5b5-0000-4000-8000-${suffix}`, athleteId };
}

interface Queued {
  activities: number;
  runner: BenchRunner;
}

/**
 * A scratch database with every runner connected (tokens stored under `tokenKey`), and a queue
 * that sends and fetches but works nothing.
 */
async function withRunners<T>(
  world: BenchWorld,
  runners: Queued[],
  fn: (o: { db: Database; url: string; queue: JobQueue; tokenKey: Buffer }) => Promise<T>,
): Promise<T> {
  const adminUrl = process.env.BENCH_POSTGRES_URL ?? LOCAL_POSTGRES_URL;
  return withScratchPostgres(adminUrl, async ({ db, url }) => {
    const tokenKey = randomBytes(32);
    const connections = createConnectionStore(createTokenCipher([{ version: 1, key: tokenKey }]));
    for (const { runner } of runners) {
      await insertBenchUser(db, runner.userId, `${runner.label}@bench.stridesync.local`);
      await saveRunnerTokens(world, db, connections, runner);
    }
    const queue = await openJobQueue(db, { logger: createLogger('silent'), work: false });
    try {
      return await fn({ db, url, queue, tokenKey });
    } finally {
      await queue.stop({ timeoutMs: 0 });
    }
  });
}

/** Queues every runner's backfill, in the order given; returns the sessions' ids. */
async function queueBackfills(db: Database, queue: JobQueue, runners: Queued[]) {
  const sessions: string[] = [];
  for (const { runner } of runners) {
    const start = { userId: runner.userId, kind: 'backfill' as const, correlationId: runner.label };
    sessions.push((await startSync(db, queue, start)).session.id);
  }
  return sessions;
}

async function measureThroughput(
  world: BenchWorld,
  runners: Queued[],
  workers: number,
): Promise<ThroughputFigures> {
  const largestFirst = [...runners].sort((a, b) => b.activities - a.activities);
  return withRunners(world, largestFirst, async ({ db, url, queue, tokenKey }) => {
    const callsBefore = stravaCalls(world);
    const processes = await Promise.all(
      Array.from({ length: workers }, (_, i) =>
        startWorkerProcess({
          owner: `b5-worker-${i + 1}`,
          databaseUrl: url,
          urls: world.urls,
          stravaApp: world.sims.stravaApp,
          tokenKey: tokenKey.toString('base64'),
          clockOffsetMs: world.clock.now() - Date.now(),
        }),
      ),
    );
    try {
      const queuedAt = world.clock.now();
      const started = performance.now();
      const sessions = await queueBackfills(db, queue, largestFirst);
      const peakConnections = await waitForAll(db, sessions);
      const wallMs = performance.now() - started;
      const finishes = await finishesOf(db, sessions, largestFirst, queuedAt);
      const runsStored = await countRuns(db);
      const calls = stravaCalls(world);
      return {
        workers,
        wallMs,
        runsStored,
        runsPerMinute: runsStored / (wallMs / 60_000),
        stravaCalls: calls.all - callsBefore.all,
        refused: calls.refused - callsBefore.refused,
        medianFinishMs: percentile(
          finishes.map((f) => f.finishMs),
          0.5,
        ),
        lastFinishMs: Math.max(...finishes.map((f) => f.finishMs)),
        peakConnections,
      };
    } finally {
      await Promise.all(processes.map(stopWorkerProcess));
    }
  });
}

/** Until every session completed (a failed one fails the bench); the peak connections seen. */
async function waitForAll(db: Database, sessions: string[]): Promise<number> {
  let peak = 0;
  for (;;) {
    const { rows } = await db.query<{ status: string; n: number }>(
      'select status, count(*)::int as n from sync_sessions where id = any($1) group by status',
      [sessions],
    );
    const connections = await db.query<{ n: number }>(
      'select count(*)::int as n from pg_stat_activity where datname = current_database()',
    );
    // Less this bench's own connection, which asks.
    peak = Math.max(peak, (connections.rows[0]?.n ?? 1) - 1);
    const failed = rows.find((r) => r.status === 'failed' || r.status === 'cancelled');
    if (failed) throw new Error(`${failed.n} backfill(s) ${failed.status}: see the worker logs`);
    if (rows.find((r) => r.status === 'completed')?.n === sessions.length) return peak;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function finishesOf(
  db: Database,
  sessions: string[],
  runners: Queued[],
  queuedAt: number,
): Promise<RunnerFinish[]> {
  const { rows } = await db.query<{ id: string; finished_at: Date; slices: number }>(
    `select s.id, s.finished_at,
            (select count(*)::int from sync_events e
             where e.session_id = s.id and e.type = 'slice:stored') as slices
     from sync_sessions s where s.id = any($1)`,
    [sessions],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  return sessions.map((id, i) => {
    const row = byId.get(id);
    if (!row) throw new Error(`session ${id} vanished`);
    return {
      activities: runners[i]?.activities ?? 0,
      finishMs: row.finished_at.getTime() - queuedAt,
      stravaCalls: row.slices + 2,
    };
  });
}

async function countRuns(db: Database): Promise<number> {
  const { rows } = await db.query<{ n: number }>('select count(*)::int as n from activities');
  return rows[0]?.n ?? 0;
}

/** Every request the Strava simulator's API received, and how many it answered 429. */
function stravaCalls(world: BenchWorld): { all: number; refused: number } {
  const api = Object.entries(world.sims.strava.inspect().byEndpoint).filter(([endpoint]) =>
    endpoint.includes('/api/v3/'),
  );
  const count = (pick: (byStatus: Record<string, number>) => number) =>
    api.reduce((sum, [, byStatus]) => sum + pick(byStatus), 0);
  return {
    all: count((byStatus) => Object.values(byStatus).reduce((a, n) => a + n, 0)),
    refused: count((byStatus) => byStatus['429'] ?? 0),
  };
}

async function startWorkerProcess(input: Record<string, unknown>): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(import.meta.dirname, 'many-runners-worker.ts')],
    {
      env: { ...process.env, MANY_RUNNERS_WORKER: JSON.stringify(input) },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`a B5 worker exited (${code}) before ready`)));
    lines.on('line', (line) => {
      if (line === 'ready') resolve();
    });
  });
  return child;
}

function stopWorkerProcess(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/**
 * The budget part: the backfill of `large` queued first, then the runners in a fixed shuffled
 * order, from the start of a UTC day; one worker handles the jobs pg-boss hands out, in the
 * jobs' age alone (`age`) or with their priority (`fair`, what `work` does), and the clock jumps
 * to a parked session's `resume_at` when its job comes up.
 */
async function measureBudget(
  world: BenchWorld,
  large: Queued,
  runners: Queued[],
  order: 'age' | 'fair',
): Promise<BudgetFigures> {
  const queued = [large, ...shuffled(runners)];
  return withRunners(world, queued, async ({ db, queue, tokenKey }) => {
    world.clock.set(Math.ceil((world.clock.now() + 1) / DAY_MS) * DAY_MS);
    const connections = createConnectionStore(createTokenCipher([{ version: 1, key: tokenKey }]));
    const worker = createSyncWorker(benchSyncDeps(world, db, connections), queue, {
      owner: `b5-${order}`,
      jobDeadlineMs: 60_000,
      leaseTtlMs: 60_000,
    });
    const callsBefore = stravaCalls(world);
    const queuedAt = world.clock.now();
    const sessions = await queueBackfills(db, queue, queued);
    for (;;) {
      const [job] = await queue.boss.fetch<SyncJob['data']>(QUEUES.sync, {
        includeMetadata: true,
        priority: order === 'fair',
      });
      if (!job) break;
      // pg-boss's own clock is the database's, months past the bench's: the parked session's
      // resume_at is what the job waits for.
      const session = await sessionStore.findActive(db, job.data.userId);
      if (session?.resume_at && session.resume_at.getTime() > world.clock.now())
        world.clock.set(session.resume_at.getTime());
      await worker.handle(job);
    }
    const finishes = await finishesOf(db, sessions, queued, queuedAt);
    const calls = stravaCalls(world);
    const [largeFinish, ...rest] = finishes as [RunnerFinish, ...RunnerFinish[]];
    const times = rest.map((f) => f.finishMs);
    return {
      order,
      stravaCalls: calls.all - callsBefore.all,
      refused: calls.refused - callsBefore.refused,
      large: largeFinish,
      runners: rest,
      firstFinishMs: Math.min(...times),
      medianFinishMs: percentile(times, 0.5),
      lastFinishMs: Math.max(...times),
    };
  });
}

/** The same shuffle every run (a fixed linear congruential sequence). */
function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  let seed = 20261210;
  for (let i = out.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

export function printManyRunners(figures: ManyRunnersFigures): void {
  const { size } = figures;
  const base = figures.throughput.find((f) => f.workers === 1);
  print(
    '',
    `## B5 many runners: ${size.runners} runners of ${size.minActivities}–${size.maxActivities} activities (${figures.activities} in all), Strava at ${figures.latencyMs} ms, its limits lifted`,
    '',
  );
  table(
    [
      'workers',
      'wall time',
      'runs stored',
      'runs / min',
      '× 1 worker',
      'Strava calls',
      '429s',
      'median finish',
      'last finish',
      'last / median',
      'peak connections',
    ],
    figures.throughput.map((f) => [
      String(f.workers),
      duration(f.wallMs),
      String(f.runsStored),
      String(Math.round(f.runsPerMinute)),
      base ? `${(f.runsPerMinute / base.runsPerMinute).toFixed(2)}×` : '',
      String(f.stravaCalls),
      String(f.refused),
      duration(f.medianFinishMs),
      duration(f.lastFinishMs),
      `${(f.lastFinishMs / f.medianFinishMs).toFixed(2)}×`,
      String(f.peakConnections),
    ]),
  );
  print(
    '',
    `## B5 the budget as the limit: a ${size.largeActivities}-activity backfill queued first, then the runners; ${size.readLimits.fifteenMinute} reads a quarter hour, ${size.readLimits.daily} a day; one worker`,
    '',
  );
  table(
    [
      'order',
      'Strava calls',
      '429s',
      'first runner',
      'median runner',
      'last runner',
      'last / median',
      `the ${size.largeActivities}`,
    ],
    figures.budget.map((b) => [
      b.order === 'fair' ? 'fair turns' : 'age (before)',
      String(b.stravaCalls),
      String(b.refused),
      duration(b.firstFinishMs),
      duration(b.medianFinishMs),
      duration(b.lastFinishMs),
      `${(b.lastFinishMs / b.medianFinishMs).toFixed(2)}×`,
      duration(b.large.finishMs),
    ]),
  );
}
