import type { Clock } from '../core/clock.ts';
import type { SessionStatus } from '../core/glossary.ts';
import type { Logger } from '../observability/logger.ts';
import type { Database } from '../store/database.ts';
import { sessionStore } from '../store/session-store.ts';
import { type JobQueue, QUEUES } from './job-queue.ts';
import { sendSyncJob, turnPriority } from './sync-job.ts';

export interface ReapedSession {
  sessionId: string;
  userId: string;
  status: SessionStatus;
  /** Null when a job for the user was queued meanwhile by someone else: that one carries it. */
  jobId: string | null;
}

/**
 * Queues a job for every active session no worker is carrying forward, which is how a session
 * survives a worker that died: its lease runs out, and the next reap hands it to whichever worker
 * fetches the new job, which resumes it from its checkpoint. Also covers a crash between the
 * runner releasing a session and its next job being queued, and a parked session whose job was
 * lost (its job waits for `resume_at`).
 *
 * Unattended: not running under a live lease, and no sync job created or waiting to retry for
 * its user. pg-boss's job table is read (never written) for the latter. Reaping twice at once is
 * harmless: the queue keeps one queued job per user, so the slower send returns null. A job
 * fetched but not yet holding its session's lease looks unattended for that moment; the extra job
 * it may get ends at once (the lease is held, or the session has ended), never working it twice.
 */
export async function reapSessions(
  db: Database,
  queue: JobQueue,
  nowMs: number,
): Promise<ReapedSession[]> {
  const rows = await sessionStore.listUnattended(db, nowMs, {
    schema: queue.schema,
    queue: QUEUES.sync,
  });
  const reaped: ReapedSession[] = [];
  for (const row of rows) {
    const jobId = await sendSyncJob(
      queue,
      db,
      { userId: row.user_id, correlationId: row.correlation_id },
      {
        startAfter: row.resume_at && row.resume_at.getTime() > nowMs ? row.resume_at : undefined,
        priority: turnPriority(row),
      },
    );
    reaped.push({ sessionId: row.id, userId: row.user_id, status: row.status, jobId });
  }
  return reaped;
}

/**
 * Reaps now and then every `intervalMs`, in this process. A timer rather than a pg-boss cron
 * schedule: cron fires at most once a minute and only after its first tick, while a restarted
 * worker should pick up what it left at once, and tests need seconds. Every worker reaping is
 * harmless (see reapSessions); a reap never overlaps the previous one in the same process.
 */
export function startReaper(
  db: Database,
  queue: JobQueue,
  options: { clock: Clock; logger: Logger; intervalMs: number },
): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  const reapOnce = () => {
    running ??= reapSessions(db, queue, options.clock.now())
      .then((reaped) => {
        for (const session of reaped) options.logger.info(session, 'reaped an unattended session');
      })
      .catch((error: unknown) => options.logger.error({ err: error }, 'reaping sessions failed'))
      .finally(() => {
        running = undefined;
      });
  };
  reapOnce();
  const timer = setInterval(reapOnce, options.intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
