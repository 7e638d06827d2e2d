import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/observability/logger.ts';
import {
  type JobQueue,
  openJobQueue,
  QUEUE_SCHEMA,
  type QueueRetry,
} from '../../src/queue/job-queue.ts';
import type { WorkerSettings } from '../../src/queue/start-workers.ts';
import type { SyncSchedules } from '../../src/queue/sync-schedules.ts';
import type { Database, Queryable } from '../../src/store/database.ts';

export const NO_SCHEDULES: SyncSchedules = {
  incremental: null,
  reconcile: null,
  weatherBackfill: null,
};

/** The configuration's worker defaults, polling quickly and with no cron: a test worker's start. */
export const TEST_WORKER: WorkerSettings = {
  ...loadConfig({}).worker,
  pollingIntervalS: 0.5,
  schedules: NO_SCHEDULES,
};

/** Retries after about 1–2 s, then 2–4 s: quick enough to watch in a test. */
export const FAST_RETRY: QueueRetry = { limit: 2, delayS: 1 };

/** A queue that sends and fetches but runs no maintenance or cron (the API's kind). */
export function openTestQueue(db: Database): Promise<JobQueue> {
  return openJobQueue(db, { logger: createLogger('silent'), work: false, syncRetry: FAST_RETRY });
}

export interface JobRow {
  id: string;
  name: string;
  state: 'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed';
  singleton_key: string | null;
  start_after: Date;
  retry_count: number;
  priority: number;
  data: Record<string, unknown>;
  output: Record<string, unknown> | null;
}

/** The jobs of one queue (all, or one user's), oldest first, read from pg-boss's table. */
export async function jobsOf(db: Queryable, queue: string, userId?: string): Promise<JobRow[]> {
  const { rows } = await db.query<JobRow>(
    `select id, name, state::text as state, singleton_key, start_after, retry_count, priority, data,
            output
     from ${QUEUE_SCHEMA}.job where name = $1 and ($2::text is null or singleton_key = $2)
     order by created_on, id`,
    [queue, userId ?? null],
  );
  return rows;
}

/** Polls `probe` until it returns something other than undefined/false; fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function sessionStatus(db: Queryable, sessionId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ status: string }>(
    'select status from sync_sessions where id = $1',
    [sessionId],
  );
  return rows[0]?.status;
}
