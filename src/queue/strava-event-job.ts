import { z } from 'zod';
import { type StravaWebhookEvent, stravaWebhookEventSchema } from '../core/strava-webhook-event.ts';
import type { Database, Queryable } from '../store/database.ts';
import { sessionStore } from '../store/session-store.ts';
import { findConnectedUser } from '../strava/connection-store.ts';
import { bossDatabase } from './boss-database.ts';
import { ringJobBell } from './job-bell.ts';
import { type JobQueue, QUEUES } from './job-queue.ts';
import { sendSyncJob } from './sync-job.ts';

/** How long an event waits before asking again while its user's other sync is active. */
export const EVENT_DEFER_MS = 60_000;

/**
 * One event job per (owner, object, aspect) waits at a time: the `strava-event` queue's `short`
 * policy keeps queued jobs unique per singleton key. A second event for the same object and
 * aspect while one waits adds nothing: the waiting job reads the object as Strava has it when it
 * runs, which covers both (a forged flood of one id queues one job).
 */
export function eventKey(event: StravaWebhookEvent): string {
  return `${event.owner_id}:${event.object_type}:${event.object_id}:${event.aspect_type}`;
}

/**
 * A job's data: the event, and the correlation id of the webhook request that delivered it, so
 * the session it starts, that session's log lines and its timeline join that request.
 */
const stravaEventJobSchema = z.object({
  event: stravaWebhookEventSchema,
  correlationId: z.string().min(1).max(128),
});
type StravaEventJobData = z.infer<typeof stravaEventJobSchema>;

/**
 * Queues a webhook event on `db` (the webhook route answers Strava at once; the work happens
 * here) and rings the job bell. Resolves with the job id, or null when the same event already
 * waits (deduplicated).
 */
export async function sendStravaEvent(
  queue: JobQueue,
  db: Queryable,
  event: StravaWebhookEvent,
  correlationId: string,
): Promise<string | null> {
  const data: StravaEventJobData = { event, correlationId };
  const jobId = await queue.boss.send(QUEUES.stravaEvent, data, {
    singletonKey: eventKey(event),
    db: bossDatabase(db),
  });
  if (jobId !== null) await ringJobBell(db, QUEUES.stravaEvent);
  return jobId;
}

export type StravaEventOutcome =
  | { outcome: 'started'; sessionId: string }
  | { outcome: 'deferred'; until: Date }
  | { outcome: 'not_connected' };

/**
 * A `strava-event` job: applies one webhook event as an `event` session of the athlete's user.
 * A user has one active session at a time, so while another sync of theirs is active the event
 * is queued again for later (after the parked session's `resume_at` if it is waiting on the
 * budget) rather than applied out of turn: a backfill that started before the event may well
 * not see it. Session and job, or deferred event, are written in one transaction. Applying an
 * event twice ends in the same state, so a retried job does no harm.
 */
export async function handleStravaEvent(
  db: Database,
  queue: JobQueue,
  data: unknown,
  options: { jobId: string; nowMs: number },
): Promise<StravaEventOutcome> {
  const job = stravaEventJobOf(data, options.jobId);
  const { event, correlationId } = job;
  const userId = await findConnectedUser(db, event.owner_id);
  // Not (or no longer) connected: Strava sends events for every athlete of the app, and after a
  // disconnect there is nothing we could fetch or revoke.
  if (!userId) return { outcome: 'not_connected' };
  return db.withTransaction(async (tx) => {
    const { session, created } = await sessionStore.start(tx, {
      userId,
      kind: 'event',
      correlationId,
      input: event,
    });
    if (created) {
      await sendSyncJob(queue, tx, { userId, correlationId });
      return { outcome: 'started', sessionId: session.id };
    }
    const soonest = options.nowMs + EVENT_DEFER_MS;
    const until = new Date(Math.max(soonest, session.resume_at?.getTime() ?? 0));
    await queue.boss.send(QUEUES.stravaEvent, job, {
      singletonKey: eventKey(event),
      startAfter: until,
      db: bossDatabase(tx),
    });
    return { outcome: 'deferred', until };
  });
}

/** A job queued before events carried their request's id holds the event alone: named by the job. */
function stravaEventJobOf(data: unknown, jobId: string): StravaEventJobData {
  const job = stravaEventJobSchema.safeParse(data);
  if (job.success) return job.data;
  return { event: stravaWebhookEventSchema.parse(data), correlationId: `strava-event:${jobId}` };
}
