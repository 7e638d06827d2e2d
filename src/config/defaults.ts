/**
 * The worker's defaults, in a module with no imports, so the configuration can name them without
 * loading the queue or the runner, and nothing below the configuration applies them again. Each is a SYNC_* or *_CRON
 * variable (src/config/config.ts).
 */

export const DEFAULT_CONCURRENCY = 1;
/**
 * One minute per job: users' syncs take turns on a busy worker, and a hand-off costs two small
 * transactions. A job ends sooner when its worker stops: the run yields at the next slice.
 */
export const DEFAULT_JOB_DEADLINE_MS = 60_000;
/** How long a session stays held by a worker that stopped renewing its lease (crashed). */
export const DEFAULT_LEASE_TTL_MS = 60_000;
export const DEFAULT_REAP_INTERVAL_MS = 60_000;
export const DEFAULT_POLLING_INTERVAL_S = 2;
/** A stopping worker's runs yield at their next slice; this bounds a slice that hangs. */
export const DEFAULT_STOP_TIMEOUT_MS = 25_000;

/**
 * Hourly incremental syncs catch anything a missed webhook would have brought; the nightly
 * reconcile catches edits and deletions Strava sends no webhook for; the weather backfill runs
 * hourly, away from the top of the hour, when the incremental syncs spend the Strava budget.
 */
export const DEFAULT_SYNC_SCHEDULES = {
  incremental: '0 * * * *',
  reconcile: '30 3 * * *',
  weatherBackfill: '20 * * * *',
};
