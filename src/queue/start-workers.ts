import { hostname } from 'node:os';
import type { EnrichmentDeps } from '../enrichment/enrich-pending.ts';
import type { SyncDeps } from '../sync/sync-deps.ts';
import { type AlertSettings, startAlertWatch } from './alert-watch.ts';
import { listenForJobBell } from './job-bell.ts';
import {
  type JobQueue,
  openJobQueue,
  QUEUES,
  type QueueName,
  type QueueRetry,
} from './job-queue.ts';
import { startReaper } from './session-reaper.ts';
import { handleStravaEvent } from './strava-event-job.ts';
import type { SyncJobData } from './sync-job.ts';
import {
  applySchedules,
  type SyncSchedules,
  startSyncForConnectedUsers,
} from './sync-schedules.ts';
import { createSyncWorker } from './sync-worker.ts';
import { runWeatherBackfill } from './weather-backfill-job.ts';

/**
 * How a worker works the queue. The timings are the configuration's (`config.worker`, where their
 * defaults are applied); the rest is for callers that need more than the environment says.
 */
export interface WorkerSettings {
  /** Names this process in leases and logs; default `host:pid`. */
  owner?: string;
  /** Sync jobs this process works at once. */
  concurrency: number;
  /** How long one job works before it checkpoints and hands the session on. */
  jobDeadlineMs: number;
  leaseTtlMs: number;
  reapIntervalMs: number;
  /** How often an idle worker asks for a job (pg-boss polls; at least 0.5 s); the bell is sooner. */
  pollingIntervalS: number;
  /**
   * Stored in pg-boss and sent by its cron from this process. Null: this process stores none and
   * runs no cron (Netlify's background function: the scheduled function sends those jobs).
   */
  schedules: SyncSchedules | null;
  /** How long `stop()` waits for running jobs to yield and hand off. */
  stopTimeoutMs: number;
  syncRetry?: QueueRetry;
  perPage?: number;
  /** The weather and place providers; without them `weather-backfill` jobs wait unworked. */
  enrichment?: EnrichmentDeps;
  /** ALERT_WEBHOOK_URL's watch (src/queue/alert-watch.ts); absent: no notifications. */
  alerts?: AlertSettings;
}

/** Scheduled jobs come once a cron tick: being picked up within 15 s of it is soon enough. */
const SCHEDULED_POLLING_S = 15;

export interface Workers {
  readonly owner: string;
  readonly queue: JobQueue;
  /** The queues this process works: the idle check of a worker that runs for a while. */
  readonly queues: readonly QueueName[];
  /** Jobs being handled right now. */
  busy(): number;
  /**
   * Stops taking jobs, has every running sync yield at its next slice (checkpointed, handed to a
   * new job at once), and waits up to `timeoutMs` for them. A job still running then (a slice
   * that hangs) is failed in pg-boss and abandoned: its session's lease runs out and the reaper
   * hands it on from the last checkpoint, so nothing is lost either way.
   */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Everything a worker process runs, on the database in `deps`: the sync job handler (N at once),
 * webhook events, the scheduled fan-outs and weather backfill, the schedules themselves, the
 * job bell's LISTEN (src/queue/job-bell.ts), and the reaper. `stridesync worker`, `stridesync start` and Netlify's background function all run this.
 */
export async function startWorkers(deps: SyncDeps, settings: WorkerSettings): Promise<Workers> {
  const owner = settings.owner ?? `${hostname()}:${process.pid}`;
  const logger = deps.logger.child({ worker: owner });
  const { schedules } = settings;
  const queue = await openJobQueue(deps.db, {
    logger,
    work: true,
    cron: schedules !== null,
    syncRetry: settings.syncRetry,
  });
  const stopping = new AbortController();
  const tracker = trackBusy();
  const queues: QueueName[] = [];
  const pollers = new Map<string, string[]>();
  try {
    if (schedules) await applySchedules(queue, schedules);
    const context = { queue, deps: { ...deps, logger }, settings, tracker, queues, pollers };
    await workSyncJobs(context, owner, stopping.signal);
    await workOtherJobs(context, stopping.signal);
  } catch (error) {
    await queue.stop({ timeoutMs: 0 });
    throw error;
  }
  // A ring names the queue that has a job to take now: every poller of it looks at once.
  const stopListening = await listenForJobBell(deps.db, logger, (name) => {
    for (const id of pollers.get(name) ?? []) queue.boss.notifyWorker(id);
  });
  const reaper = startReaper(deps.db, queue, {
    clock: deps.clock,
    logger,
    intervalMs: settings.reapIntervalMs,
  });
  const alerts = settings.alerts
    ? startAlertWatch({ ...deps, logger }, settings.alerts)
    : undefined;
  return {
    owner,
    queue,
    queues,
    busy: tracker.busy,
    async stop(timeoutMs = settings.stopTimeoutMs) {
      stopping.abort();
      await stopListening();
      await reaper.stop();
      await alerts?.stop();
      await queue.stop({ timeoutMs });
    },
  };
}

interface WorkContext {
  queue: JobQueue;
  deps: SyncDeps;
  settings: WorkerSettings;
  tracker: ReturnType<typeof trackBusy>;
  /** Filled with each queue as it is worked. */
  queues: QueueName[];
  /** pg-boss's id of each poller, by queue: whom the job bell wakes. */
  pollers: Map<string, string[]>;
}

/** Counts the handlers under way, so a worker can tell it is idle. */
function trackBusy() {
  let running = 0;
  return {
    busy: () => running,
    async track<T>(handle: () => Promise<T>): Promise<T> {
      running += 1;
      try {
        return await handle();
      } finally {
        running -= 1;
      }
    },
  };
}

/** One pg-boss worker per slot: each polls for and works one sync job at a time. */
async function workSyncJobs(context: WorkContext, owner: string, signal: AbortSignal) {
  const { queue, deps, settings, tracker } = context;
  const sync = createSyncWorker(deps, queue, {
    owner,
    jobDeadlineMs: settings.jobDeadlineMs,
    leaseTtlMs: settings.leaseTtlMs,
    perPage: settings.perPage,
    signal,
  });
  const options = {
    pollingIntervalSeconds: settings.pollingIntervalS,
    includeMetadata: true,
  } as const;
  const ids: string[] = [];
  for (let slot = 0; slot < settings.concurrency; slot++) {
    ids.push(
      await queue.boss.work<SyncJobData>(QUEUES.sync, options, ([job]) =>
        job ? tracker.track(() => sync.handle(job)) : Promise.resolve(),
      ),
    );
  }
  context.queues.push(QUEUES.sync);
  context.pollers.set(QUEUES.sync, ids);
}

/**
 * Webhook events (polled as often as sync jobs: a runner may be watching), and the scheduled
 * jobs, which come at most once a tick and are polled less often.
 */
async function workOtherJobs(context: WorkContext, signal: AbortSignal) {
  const { queue, deps, settings, tracker } = context;
  const { db, logger } = deps;
  const work = async (
    name: QueueName,
    pollingIntervalSeconds: number,
    handle: (jobId: string, data: unknown) => Promise<object>,
  ) => {
    const id = await queue.boss.work(name, { pollingIntervalSeconds }, ([job]) =>
      job ? tracker.track(() => handle(job.id, job.data)) : Promise.resolve(),
    );
    context.queues.push(name);
    context.pollers.set(name, [id]);
  };
  await work(QUEUES.stravaEvent, settings.pollingIntervalS, async (jobId, data) => {
    const nowMs = deps.clock.now();
    const result = await handleStravaEvent(db, queue, data, { jobId, nowMs });
    logger.info({ queue: QUEUES.stravaEvent, jobId, ...result }, 'strava event handled');
    return result;
  });
  for (const kind of ['incremental', 'reconcile'] as const) {
    const name = kind === 'incremental' ? QUEUES.incrementalSync : QUEUES.reconcile;
    await work(name, SCHEDULED_POLLING_S, async (jobId) => {
      const result = await startSyncForConnectedUsers(
        db,
        queue,
        kind,
        `${name}:${jobId}`,
        deps.flags,
      );
      logger.info({ queue: name, ...result }, 'scheduled syncs started');
      return result;
    });
  }
  const enrichment = settings.enrichment;
  if (enrichment) {
    await work(QUEUES.weatherBackfill, SCHEDULED_POLLING_S, async () => {
      // A stopping worker ends the backfill's pass before its next call, so stop stays bounded.
      const result = await runWeatherBackfill(db, queue, enrichment, { signal });
      logger.info({ queue: QUEUES.weatherBackfill, ...result }, 'weather backfill ran');
      return result;
    });
  }
}
