import PgBoss from 'pg-boss';
import type { Logger } from '../observability/logger.ts';
import type { Database } from '../store/database.ts';
import { closableBossDatabase } from './boss-database.ts';
import { SYNC_JOB_EXPIRE_S } from './job-expiry.ts';

/** The queues, named after what one of their jobs means. */
export const QUEUES = {
  /** Advance one user's active sync session (src/queue/sync-worker.ts). */
  sync: 'sync',
  /** Apply one Strava webhook event. */
  stravaEvent: 'strava-event',
  /** Look up weather and place again for runs whose providers were unavailable. */
  weatherBackfill: 'weather-backfill',
  /** Start a reconcile sync for every connected user (scheduled). */
  reconcile: 'reconcile',
  /** Start an incremental sync for every connected user (scheduled). */
  incrementalSync: 'incremental-sync',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** pg-boss's own schema: never `public`, so our RLS and Supabase's API never see its tables. */
export const QUEUE_SCHEMA = 'pgboss';

export interface QueueRetry {
  /** Retries after the first attempt. */
  limit: number;
  /** First retry after about `delayS` to `2 × delayS`, doubling each time (pg-boss backoff). */
  delayS: number;
}

/**
 * Transient failures of a sync: retried after 5 s, 10 s, 20 s … 640 s, each up to twice that
 * (pg-boss's jitter): 21 to 42 minutes in all, then the session fails.
 */
export const SYNC_RETRY: QueueRetry = { limit: 8, delayS: 5 };

/**
 * Why `sync` uses the `short` policy (at most one QUEUED job per user, any number active) and not
 * `stately` (one per state): in pg-boss 10.4, a stately job whose key already has an active job
 * cannot be fetched — the unique index rejects the fetch's update, pg-boss swallows the error,
 * and since every worker fetches the oldest job first, the WHOLE queue stalls until that active
 * job ends (test/queue/job-queue.test.ts shows it). "One queued + one active" is exactly the
 * state that stalls it. So the queue keeps queued jobs unique per user, and the session lease is
 * what lets one worker at a time work a user's session: a second job that runs while the first
 * is still active finds the lease held and ends at once (`not_claimed`).
 */
function queueDefinitions(syncRetry: QueueRetry): Record<QueueName, PgBoss.Queue> {
  const fanOut = { retryLimit: 2, retryDelay: 60, expireInSeconds: 15 * 60 };
  return {
    sync: {
      name: QUEUES.sync,
      policy: 'short',
      retryLimit: syncRetry.limit,
      retryDelay: syncRetry.delayS,
      retryBackoff: true,
      expireInSeconds: SYNC_JOB_EXPIRE_S,
    },
    // Short too: one queued event per (owner, object, aspect) key (strava-event-job.ts).
    'strava-event': {
      name: QUEUES.stravaEvent,
      policy: 'short',
      retryLimit: SYNC_RETRY.limit,
      retryDelay: SYNC_RETRY.delayS,
      retryBackoff: true,
      expireInSeconds: 5 * 60,
    },
    // Short: however many scheduled ticks pass while nothing handles them, one job waits.
    'weather-backfill': { name: QUEUES.weatherBackfill, ...fanOut, policy: 'short' },
    reconcile: { name: QUEUES.reconcile, ...fanOut, policy: 'short' },
    'incremental-sync': { name: QUEUES.incrementalSync, ...fanOut, policy: 'short' },
  };
}

export interface JobQueue {
  readonly boss: PgBoss;
  readonly schema: string;
  /**
   * Stops fetching, waits up to `timeoutMs` for running handlers, fails the jobs of any still
   * running (pg-boss retries them), then lets go of the database; close the database after.
   */
  stop(options?: { timeoutMs?: number }): Promise<void>;
}

export interface JobQueueOptions {
  logger: Logger;
  /**
   * A worker process runs pg-boss's maintenance (expiring and archiving jobs) and, unless `cron`
   * says otherwise, its cron (schedules); a process that only sends jobs, like the API, does not.
   */
  work: boolean;
  /**
   * Whether pg-boss's cron sends the scheduled jobs from this process (default: `work`). Off in
   * Netlify's background function, which lives minutes at a time: the scheduled function sends
   * them there (src/queue/scheduled-tick.ts).
   */
  cron?: boolean;
  syncRetry?: QueueRetry;
}

/**
 * pg-boss on our database, through our port (so PGlite works as well as Postgres), with its
 * schema installed or migrated (pg-boss does that under an advisory lock, so processes may race)
 * and our queues created.
 */
export async function openJobQueue(db: Database, options: JobQueueOptions): Promise<JobQueue> {
  const port = closableBossDatabase(db);
  const boss = new PgBoss({
    db: port,
    schema: QUEUE_SCHEMA,
    supervise: options.work,
    schedule: options.cron ?? options.work,
  });
  // Without a listener an 'error' event would throw; pg-boss reports polling and maintenance
  // failures here and carries on.
  boss.on('error', (error) => options.logger.error({ err: error }, 'job queue error'));
  await boss.start();
  await retryConcurrentSetUp(async () => {
    await keepSchemaPrivate(db);
    for (const definition of Object.values(queueDefinitions(options.syncRetry ?? SYNC_RETRY))) {
      await boss.createQueue(definition.name, definition);
      // createQueue leaves an existing queue as it was: a changed definition lands here.
      await boss.updateQueue(definition.name, definition);
    }
  }, options.logger);
  return {
    boss,
    schema: QUEUE_SCHEMA,
    async stop({ timeoutMs = 30_000 } = {}) {
      await boss.stop({ graceful: true, wait: true, timeout: timeoutMs });
      await port.settle();
      port.close();
    },
  };
}

/**
 * Errors of processes setting up the queues at the same moment on a fresh database (workers
 * started together): pg-boss's `create_queue` deadlocks (40P01), and two `revoke`s of one schema
 * collide ("tuple concurrently updated", XX000). The set-up only creates what is missing and
 * states privileges, so running it again is safe.
 */
const CONCURRENT_SET_UP = new Set(['40P01', '40001', 'XX000', '23505']);
const SET_UP_ATTEMPTS = 5;

async function retryConcurrentSetUp(setUp: () => Promise<void>, logger: Logger): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await setUp();
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      if (!CONCURRENT_SET_UP.has(code) || attempt >= SET_UP_ATTEMPTS) throw error;
      logger.warn({ err: error, attempt }, 'job queue set-up raced another process; again');
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 200 * attempt));
    }
  }
}

/**
 * The API roles get nothing in pg-boss's schema. A new schema grants them nothing anyway (the
 * default privileges Supabase and supabase/local set are for `public` only); revoking says so in
 * code and holds even where someone granted more.
 */
async function keepSchemaPrivate(db: Database) {
  await db.exec(
    `revoke all on schema ${QUEUE_SCHEMA} from public, anon, authenticated;
     revoke all on all tables in schema ${QUEUE_SCHEMA} from public, anon, authenticated;
     revoke all on all functions in schema ${QUEUE_SCHEMA} from public, anon, authenticated;`,
  );
}
