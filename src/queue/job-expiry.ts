/**
 * How long pg-boss lets a sync job's handler run before it fails the job (and retries it), and so
 * how long a job may work: the runner yields at its deadline, which must leave room for one more
 * slice and the hand-off after it. No imports, so the configuration can bound SYNC_JOB_DEADLINE_S
 * by it without loading the queue.
 */
export const SYNC_JOB_EXPIRE_S = 20 * 60;
export const MAX_JOB_DEADLINE_MS = 15 * 60_000;
