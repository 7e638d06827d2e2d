import { FLAG_KEYS } from '../core/feature-flags.ts';
import type { SyncKind } from '../core/glossary.ts';
import type { Database } from '../store/database.ts';
import type { FeatureFlags } from '../store/feature-flags.ts';
import { listSyncableUsers } from '../strava/connection-store.ts';
import { type JobQueue, QUEUES, type QueueName } from './job-queue.ts';
import { startSync } from './start-sync.ts';

/** Cron expressions (UTC) for the periodic jobs; null turns one off. */
export interface SyncSchedules {
  /** An incremental sync for every connected user. */
  incremental: string | null;
  /** A reconcile sync (re-list the recent window) for every connected user. */
  reconcile: string | null;
  /** Another try at the weather and place lookups that were unavailable. */
  weatherBackfill: string | null;
}

/** The queue each schedule sends its jobs to. */
export const SCHEDULED_QUEUES: Record<keyof SyncSchedules, QueueName> = {
  incremental: QUEUES.incrementalSync,
  reconcile: QUEUES.reconcile,
  weatherBackfill: QUEUES.weatherBackfill,
};

/**
 * Stores the schedules in pg-boss (one per queue, shared by every process on the database: the
 * last worker to start with a setting wins). pg-boss's cron then sends each queue one job per
 * tick, whichever and however many workers run.
 */
export async function applySchedules(queue: JobQueue, schedules: SyncSchedules): Promise<void> {
  for (const [key, name] of Object.entries(SCHEDULED_QUEUES)) {
    const cron = schedules[key as keyof SyncSchedules];
    if (cron) await queue.boss.schedule(name, cron, {}, { tz: 'UTC' });
    else await queue.boss.unschedule(name);
  }
}

/**
 * What a scheduled `incremental-sync` or `reconcile` job does: start a sync of `kind` for every
 * user whose Strava connection is live. A user with a sync already active is left to it (the
 * index allows one); every session started shares `correlationId`, the scheduled job's.
 * A user is left out (counted in `flaggedOff`) when the `periodic-syncs` flag is off for them,
 * or, for a reconcile, the `reconcile` flag.
 */
export async function startSyncForConnectedUsers(
  db: Database,
  queue: JobQueue,
  kind: Extract<SyncKind, 'incremental' | 'reconcile'>,
  correlationId: string,
  flags?: FeatureFlags,
): Promise<{ users: number; started: number; flaggedOff: number }> {
  const users = await listSyncableUsers(db);
  const gates =
    kind === 'reconcile'
      ? [FLAG_KEYS.periodicSyncs, FLAG_KEYS.reconcile]
      : [FLAG_KEYS.periodicSyncs];
  let started = 0;
  let flaggedOff = 0;
  for (const userId of users) {
    if (flags && !Object.values(await flags.forUser(gates, userId)).every(Boolean)) {
      flaggedOff += 1;
      continue;
    }
    const { created } = await startSync(db, queue, { userId, kind, correlationId });
    if (created) started += 1;
  }
  return { users: users.length, started, flaggedOff };
}
