import type { SyncKind } from '../core/glossary.ts';
import type { SyncSessionRow } from '../core/sync-session.ts';
import type { Database } from '../store/database.ts';
import { sessionStore } from '../store/session-store.ts';
import type { JobQueue } from './job-queue.ts';
import { sendSyncJob } from './sync-job.ts';

export interface StartSyncInput {
  userId: string;
  kind: SyncKind;
  correlationId: string;
  /** For `event` sessions: the webhook event to apply. */
  input?: unknown;
}

export interface StartedSync {
  session: SyncSessionRow;
  /** False when the user already had an active session: that one is returned, nothing is sent. */
  created: boolean;
  /** The job sent for a new session; null if one was queued for the user already. */
  jobId: string | null;
}

/**
 * Creates a sync session and queues its job in ONE transaction: both exist or neither does, so a
 * crash in between can leave neither a session no worker will ever pick up nor a job for a
 * session that was never written.
 */
export function startSync(
  db: Database,
  queue: JobQueue,
  input: StartSyncInput,
): Promise<StartedSync> {
  return db.withTransaction(async (tx) => {
    const { session, created } = await sessionStore.start(tx, input);
    if (!created) return { session, created, jobId: null };
    const jobId = await sendSyncJob(queue, tx, {
      userId: input.userId,
      correlationId: input.correlationId,
    });
    return { session, created, jobId };
  });
}
