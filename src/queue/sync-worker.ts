import type PgBoss from 'pg-boss';
import type { RunOutcome } from '../core/sync-events.ts';
import type { SyncSessionRow } from '../core/sync-session.ts';
import { withLogContext } from '../observability/log-context.ts';
import { sessionStore } from '../store/session-store.ts';
import { runSync } from '../sync/run-sync.ts';
import type { RunOptions, SyncDeps } from '../sync/sync-deps.ts';
import { bossDatabase } from './boss-database.ts';
import { MAX_JOB_DEADLINE_MS } from './job-expiry.ts';
import { type JobQueue, QUEUES } from './job-queue.ts';
import { type SyncJobData, sendSyncJob, turnPriority } from './sync-job.ts';

export type SyncJob = PgBoss.JobWithMetadata<SyncJobData>;

export interface SyncWorkerOptions {
  /**
   * This worker process (host:pid). Each run holds the lease as `owner#n`, unique per run: a
   * claim lets an owner re-enter its own lease, and pg-boss may give up on a job (its expiry)
   * while the handler still runs, so two runs in one process must never share an owner.
   */
  owner: string;
  /** How long one job works before it checkpoints and hands the session to a new job. */
  jobDeadlineMs: number;
  leaseTtlMs: number;
  perPage?: number;
  /** Aborted when the worker stops: a running job yields at its next slice and hands off. */
  signal?: AbortSignal;
}

export interface SyncWorker {
  /** Works one `sync` job; resolves when the job is done, throws to have pg-boss retry it. */
  handle(job: SyncJob): Promise<{ outcome: RunOutcome['status'] | 'no_active_session' }>;
}

/** A transient failure, thrown so that pg-boss retries the job with backoff. */
export class SyncRetryError extends Error {
  override name = 'SyncRetryError';
}

/**
 * The `sync` job handler: runs the user's active session until it ends or the job's deadline,
 * then tells the queue what comes next:
 * - completed, cancelled, failed: the session ended; the job is done.
 * - not_claimed: another worker holds the session (or it is parked until later, and the job
 *   that parked it is waiting for then); the job is done.
 * - yielded: checkpointed at the deadline (or as the worker stops); a new job continues at once.
 * - rate_limited: parked; a new job waits until `resumeAt`, when the budget window resets.
 * - retry: a transient failure; thrown, so pg-boss retries with backoff. After the last retry
 *   the session is failed with the error that kept recurring, so nothing retries it forever.
 */
export function createSyncWorker(
  deps: SyncDeps,
  queue: JobQueue,
  options: SyncWorkerOptions,
): SyncWorker {
  if (options.jobDeadlineMs > MAX_JOB_DEADLINE_MS) {
    throw new RangeError(
      `a job deadline of ${options.jobDeadlineMs} ms exceeds ${MAX_JOB_DEADLINE_MS} ms, after which pg-boss would fail the job mid-run`,
    );
  }
  let runs = 0;
  return {
    async handle(job) {
      const session = await sessionStore.findActive(deps.db, job.data.userId);
      if (!session) return { outcome: 'no_active_session' };
      runs += 1;
      const context = { correlationId: session.correlation_id, sessionId: session.id };
      return withLogContext(context, () => work(job, session, runs));
    },
  };

  async function work(job: SyncJob, session: SyncSessionRow, runNumber: number) {
    const logger = deps.logger.child({ jobId: job.id });
    const run: RunOptions = {
      sessionId: session.id,
      owner: `${options.owner}#${runNumber}`,
      deadlineMs: deps.clock.now() + options.jobDeadlineMs,
      leaseTtlMs: options.leaseTtlMs,
      perPage: options.perPage,
      signal: options.signal,
    };
    const outcome = await runSync(deps, run);
    logger.info({ outcome, retryCount: job.retryCount }, 'sync job ran');
    switch (outcome.status) {
      case 'yielded':
        await handOff(deps, queue, job, session.id);
        break;
      case 'rate_limited':
        await handOff(deps, queue, job, session.id, outcome.resumeAt);
        break;
      case 'retry':
        if (job.retryCount >= job.retryLimit) {
          await sessionStore.giveUp(deps.db, session.id, deps.clock.now());
          logger.error({ code: outcome.code }, 'sync failed: retries exhausted');
        }
        throw new SyncRetryError(`transient failure ${outcome.code}: retrying with backoff`);
    }
    return { outcome: outcome.status };
  }
}

/**
 * The next job and the end of this one, in one transaction: a crash can leave the session with
 * one job or the other, never both and never neither. (pg-boss completes the job again once the
 * handler returns; that finds it completed and changes nothing.) The next job takes its turn by
 * how much the session has been served (`turnPriority`).
 */
async function handOff(
  deps: SyncDeps,
  queue: JobQueue,
  job: SyncJob,
  sessionId: string,
  startAfter?: Date,
) {
  await deps.db.withTransaction(async (tx) => {
    const session = await sessionStore.get(tx, sessionId);
    const priority = session ? turnPriority(session) : undefined;
    await sendSyncJob(queue, tx, job.data, { startAfter, priority });
    await queue.boss.complete(QUEUES.sync, job.id, { handedOff: true }, { db: bossDatabase(tx) });
  });
}
