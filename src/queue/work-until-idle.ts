import type { Queryable } from '../store/database.ts';
import type { SyncDeps } from '../sync/sync-deps.ts';
import { QUEUE_SCHEMA, type QueueName } from './job-queue.ts';
import { startWorkers, type WorkerSettings } from './start-workers.ts';

export interface WorkUntilOptions {
  /** When to stop (epoch ms, wall clock): e.g. 14 minutes into a 15-minute function. */
  deadlineMs: number;
  /**
   * Stay while a job is due within this long (a webhook event deferred for a minute behind its
   * user's other sync, a retry's backoff); leave when nothing is, rather than idle to the end.
   */
  lookaheadMs?: number;
  /** How often to look whether there is anything left to do. */
  checkIntervalMs?: number;
}

export interface WorkSummary {
  stoppedBy: 'idle' | 'deadline';
  /** Jobs are due now (a sync handed off as the worker stopped): someone should go on. */
  moreWork: boolean;
}

export const DEFAULT_LOOKAHEAD_MS = 90_000;
const DEFAULT_CHECK_INTERVAL_MS = 1_000;

/**
 * The worker of a host whose processes live minutes at a time (Netlify's background function):
 * the same `startWorkers` as `stridesync worker`, run until the deadline or until nothing is left
 * to do, then stopped the same way (every running sync yields at its next slice and is handed to
 * a new job). `moreWork` tells the caller to start a successor.
 */
export async function workUntilIdle(
  deps: SyncDeps,
  settings: WorkerSettings,
  options: WorkUntilOptions,
): Promise<WorkSummary> {
  const lookaheadMs = options.lookaheadMs ?? DEFAULT_LOOKAHEAD_MS;
  const checkMs = options.checkIntervalMs ?? DEFAULT_CHECK_INTERVAL_MS;
  const workers = await startWorkers(deps, settings);
  let stoppedBy: WorkSummary['stoppedBy'] = 'deadline';
  try {
    // Idle twice in a row: a job fetched but not yet handed to its handler looks idle once.
    let idleChecks = 0;
    while (Date.now() < options.deadlineMs) {
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(checkMs, Math.max(0, options.deadlineMs - Date.now()))),
      );
      const idle = workers.busy() === 0 && !(await hasDueJob(deps.db, workers.queues, lookaheadMs));
      idleChecks = idle ? idleChecks + 1 : 0;
      if (idleChecks >= 2) {
        stoppedBy = 'idle';
        break;
      }
    }
  } finally {
    await workers.stop();
  }
  return { stoppedBy, moreWork: await hasDueJob(deps.db, workers.queues, 0) };
}

/** Whether any of `queues` has a job waiting that is due within `withinMs` (database time). */
export async function hasDueJob(
  db: Queryable,
  queues: readonly QueueName[],
  withinMs: number,
): Promise<boolean> {
  const { rows } = await db.query<{ due: boolean }>(
    `select exists (select 1 from ${QUEUE_SCHEMA}.job
                    where name = any($1::text[]) and state in ('created', 'retry')
                      and start_after <= now() + $2 * interval '1 millisecond') as due`,
    [queues, withinMs],
  );
  return rows[0]?.due === true;
}
