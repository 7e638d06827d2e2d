import type { Queryable } from '../store/database.ts';
import { bossDatabase } from './boss-database.ts';
import { type JobQueue, QUEUES } from './job-queue.ts';

/**
 * A `sync` job means "advance this user's active session", not one particular session: a user
 * has at most one active session (the partial unique index), so a job queued for a session that
 * has since ended carries the user's next session instead of standing in its way.
 */
export interface SyncJobData {
  userId: string;
  /** The session's correlation id, so the job's log lines join the request that started it. */
  correlationId: string;
}

/**
 * Queues a sync job for the user, keyed by user id: if one is queued already, pg-boss keeps that
 * one and this returns null. `tx` sends it inside the caller's transaction; `startAfter` holds
 * it back (a session parked until its rate-limit window resets).
 */
export function sendSyncJob(
  queue: JobQueue,
  data: SyncJobData,
  options: { tx?: Queryable; startAfter?: Date } = {},
): Promise<string | null> {
  return queue.boss.send(QUEUES.sync, data, {
    singletonKey: data.userId,
    startAfter: options.startAfter,
    db: options.tx ? bossDatabase(options.tx) : undefined,
  });
}
