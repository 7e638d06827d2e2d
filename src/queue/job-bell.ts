import type { Logger } from '../observability/logger.ts';
import type { Database, Queryable } from '../store/database.ts';
import type { QueueName } from './job-queue.ts';

/**
 * The job bell: a NOTIFY on this channel, with the queue's name, says a job is there to take now.
 * pg-boss finds jobs by polling (every `SYNC_POLL_INTERVAL_S`, 2 s by default), so without it a
 * sync the runner has just asked for waits up to that long before any worker looks. The bell is
 * only a latency hint: a NOTIFY sent while a worker's LISTEN is down, or through a pooler that
 * cannot LISTEN, is lost, and the poll finds the job as before.
 */
export const JOB_BELL_CHANNEL = 'stridesync_jobs';

/**
 * Rings the bell for `queue` on `target`. Inside a transaction the NOTIFY is delivered at its
 * commit, when the job it sent there becomes visible to a worker, and not at all if it rolls back.
 */
export async function ringJobBell(target: Queryable, queue: QueueName): Promise<void> {
  await target.query('select pg_notify($1, $2)', [JOB_BELL_CHANNEL, queue]);
}

/**
 * Calls `onRing` with the queue named by each ring. If LISTEN fails the worker goes on polling:
 * logged, not thrown.
 */
export async function listenForJobBell(
  db: Database,
  logger: Logger,
  onRing: (queue: string) => void,
): Promise<() => Promise<void>> {
  try {
    return await db.listen(JOB_BELL_CHANNEL, onRing);
  } catch (error) {
    logger.warn({ err: error }, 'new jobs wait for the next poll: LISTEN for the job bell failed');
    return async () => {};
  }
}
