import type { Queryable } from '../store/database.ts';
import { bossDatabase } from './boss-database.ts';
import { ringJobBell } from './job-bell.ts';
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
 * Queues a sync job for the user on `target` (the database, or the caller's open transaction),
 * keyed by user id: if one is queued already, pg-boss keeps that one and this returns null.
 * `startAfter` holds it back (a session parked until its rate-limit window resets); `priority` is
 * the session's turn (`turnPriority`), 0 for a session that has not run yet. A job to take now
 * rings the job bell, so an idle worker takes it at once rather than at its next poll.
 */
export async function sendSyncJob(
  queue: JobQueue,
  target: Queryable,
  data: SyncJobData,
  options: { startAfter?: Date; priority?: number } = {},
): Promise<string | null> {
  const jobId = await queue.boss.send(QUEUES.sync, data, {
    singletonKey: data.userId,
    startAfter: options.startAfter,
    // pg-boss refuses a `priority` key whose value is not an integer, undefined included.
    ...(options.priority === undefined ? {} : { priority: options.priority }),
    db: bossDatabase(target),
  });
  if (jobId !== null && options.startAfter === undefined) await ringJobBell(target, QUEUES.sync);
  return jobId;
}

/**
 * Fair turns: the least served session goes first. pg-boss hands out the highest priority
 * first (then the oldest job), so a session's next job gets minus the activities it has listed
 * so far, its share of Strava's budget until now: a runner whose sync is new (0) goes before a
 * backfill that has had many turns, and at a budget window's reset the parked sessions resume
 * from the least served up, instead of the one that parked first spending the whole window
 * again (docs/queue.md, Fair turns).
 */
export function turnPriority(session: { activities_listed: number }): number {
  return -session.activities_listed;
}
