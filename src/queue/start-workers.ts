import { hostname } from 'node:os';
import { LEASE_TTL_MS, type SyncDeps } from '../sync/run-sync.ts';
import type { EnrichmentDeps } from '../weather/enrich-pending.ts';
import { type JobQueue, openJobQueue, QUEUES, type QueueRetry } from './job-queue.ts';
import { startReaper } from './session-reaper.ts';
import { handleStravaEvent } from './strava-event-job.ts';
import type { SyncJobData } from './sync-job.ts';
import {
  applySchedules,
  DEFAULT_SYNC_SCHEDULES,
  type SyncSchedules,
  startSyncForConnectedUsers,
} from './sync-schedules.ts';
import { createSyncWorker } from './sync-worker.ts';
import { runWeatherBackfill } from './weather-backfill-job.ts';

export interface WorkerSettings {
  /** Names this process in leases and logs; default `host:pid`. */
  owner?: string;
  /** Sync jobs this process works at once. */
  concurrency?: number;
  /** How long one job works before it checkpoints and hands the session on. */
  jobDeadlineMs?: number;
  leaseTtlMs?: number;
  reapIntervalMs?: number;
  /** How often an idle worker asks for a job (pg-boss polls; at least 0.5 s). */
  pollingIntervalS?: number;
  schedules?: SyncSchedules;
  syncRetry?: QueueRetry;
  perPage?: number;
  /** The weather and place providers; without them `weather-backfill` jobs wait unworked. */
  enrichment?: EnrichmentDeps;
}

/**
 * One minute per job: users' syncs take turns on a busy worker, and a stopping worker's job
 * often reaches its deadline and hands off within the stop timeout (when not, it is abandoned
 * and resumed elsewhere from its checkpoint). A hand-off costs two small transactions. A Netlify
 * background function would pass 14 minutes.
 */
export const DEFAULT_JOB_DEADLINE_MS = 60_000;
export const DEFAULT_REAP_INTERVAL_MS = 60_000;
export const DEFAULT_POLLING_INTERVAL_S = 2;
/** Scheduled jobs come once a cron tick: being picked up within 15 s of it is soon enough. */
const SCHEDULED_POLLING_S = 15;

export interface Workers {
  readonly owner: string;
  readonly queue: JobQueue;
  /**
   * Stops taking jobs and waits up to `timeoutMs` for the running ones. A job still running then
   * is failed in pg-boss (so it is retried) and abandoned: its session's lease runs out and the
   * reaper hands it on, resuming from the last checkpoint, so nothing is lost either way.
   */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Everything a worker process runs, on the database in `deps`: the sync job handler (N at once),
 * webhook events, the scheduled fan-outs and weather backfill, the schedules themselves, and the
 * reaper.
 */
export async function startWorkers(
  deps: SyncDeps,
  settings: WorkerSettings = {},
): Promise<Workers> {
  const owner = settings.owner ?? `${hostname()}:${process.pid}`;
  const logger = deps.logger.child({ worker: owner });
  const queue = await openJobQueue(deps.db, {
    logger,
    work: true,
    syncRetry: settings.syncRetry,
  });
  try {
    await applySchedules(queue, settings.schedules ?? DEFAULT_SYNC_SCHEDULES);
    await workSyncJobs(queue, { ...deps, logger }, owner, settings);
    await workOtherJobs(queue, { ...deps, logger }, settings);
  } catch (error) {
    await queue.stop({ timeoutMs: 0 });
    throw error;
  }
  const reaper = startReaper(deps.db, queue, {
    clock: deps.clock,
    logger,
    intervalMs: settings.reapIntervalMs ?? DEFAULT_REAP_INTERVAL_MS,
  });
  return {
    owner,
    queue,
    async stop(timeoutMs = 25_000) {
      await reaper.stop();
      await queue.stop({ timeoutMs });
    },
  };
}

/** One pg-boss worker per slot: each polls for and works one sync job at a time. */
async function workSyncJobs(
  queue: JobQueue,
  deps: SyncDeps,
  owner: string,
  settings: WorkerSettings,
) {
  const sync = createSyncWorker(deps, queue, {
    owner,
    jobDeadlineMs: settings.jobDeadlineMs ?? DEFAULT_JOB_DEADLINE_MS,
    leaseTtlMs: settings.leaseTtlMs ?? LEASE_TTL_MS,
    perPage: settings.perPage,
  });
  const options = {
    pollingIntervalSeconds: settings.pollingIntervalS ?? DEFAULT_POLLING_INTERVAL_S,
    includeMetadata: true,
  } as const;
  for (let slot = 0; slot < (settings.concurrency ?? 1); slot++) {
    await queue.boss.work<SyncJobData>(QUEUES.sync, options, ([job]) =>
      job ? sync.handle(job) : Promise.resolve(),
    );
  }
}

/**
 * Webhook events (polled as often as sync jobs: a runner may be watching), and the scheduled
 * jobs, which come at most once a tick and are polled less often.
 */
async function workOtherJobs(queue: JobQueue, deps: SyncDeps, settings: WorkerSettings) {
  const { db, logger } = deps;
  const eventPolling = {
    pollingIntervalSeconds: settings.pollingIntervalS ?? DEFAULT_POLLING_INTERVAL_S,
  };
  await queue.boss.work(QUEUES.stravaEvent, eventPolling, async ([job]) => {
    if (!job) return undefined;
    const nowMs = deps.clock.now();
    const result = await handleStravaEvent(db, queue, job.data, { jobId: job.id, nowMs });
    logger.info({ queue: QUEUES.stravaEvent, jobId: job.id, ...result }, 'strava event handled');
    return result;
  });
  const scheduledPolling = { pollingIntervalSeconds: SCHEDULED_POLLING_S };
  for (const kind of ['incremental', 'reconcile'] as const) {
    const name = kind === 'incremental' ? QUEUES.incrementalSync : QUEUES.reconcile;
    await queue.boss.work(name, scheduledPolling, async ([job]) => {
      const result = await startSyncForConnectedUsers(db, queue, kind, `${name}:${job?.id}`);
      logger.info({ queue: name, ...result }, 'scheduled syncs started');
      return result;
    });
  }
  const enrichment = settings.enrichment;
  if (enrichment) {
    await queue.boss.work(QUEUES.weatherBackfill, scheduledPolling, async () => {
      const result = await runWeatherBackfill(db, queue, enrichment);
      logger.info({ queue: QUEUES.weatherBackfill, ...result }, 'weather backfill ran');
      return result;
    });
  }
}
