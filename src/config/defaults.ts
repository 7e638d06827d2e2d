import type { SyncSchedules } from '../queue/sync-schedules.ts';

/**
 * The worker's defaults, in a module with no imports to run, so the configuration can name them
 * without loading the queue. Each is a SYNC_* or *_CRON variable (src/config/config.ts).
 */

export const DEFAULT_CONCURRENCY = 1;
/**
 * One minute per job: users' syncs take turns on a busy worker, and a hand-off costs two small
 * transactions. A job ends sooner when its worker stops: the run yields at the next slice.
 */
export const DEFAULT_JOB_DEADLINE_MS = 60_000;
/**
 * pg-boss fails a sync job that has run for 20 minutes (SYNC_JOB_EXPIRE_S); a job's deadline
 * leaves room for one more slice and the hand-off after it.
 */
export const MAX_JOB_DEADLINE_MS = 15 * 60_000;
export const DEFAULT_REAP_INTERVAL_MS = 60_000;
export const DEFAULT_POLLING_INTERVAL_S = 2;
/** A stopping worker's runs yield at their next slice; this bounds a slice that hangs. */
export const DEFAULT_STOP_TIMEOUT_MS = 25_000;

/**
 * Hourly incremental syncs catch anything a missed webhook would have brought; the nightly
 * reconcile catches edits and deletions Strava sends no webhook for; the weather backfill runs
 * hourly, away from the top of the hour, when the incremental syncs spend the Strava budget.
 */
export const DEFAULT_SYNC_SCHEDULES: SyncSchedules = {
  incremental: '0 * * * *',
  reconcile: '30 3 * * *',
  weatherBackfill: '20 * * * *',
};
