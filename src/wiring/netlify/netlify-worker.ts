import { randomUUID } from 'node:crypto';
import { createApiLedger } from '../../budget/api-ledger.ts';
import { systemClock } from '../../core/clock.ts';
import { AuthenticationError } from '../../core/errors.ts';
import { CORRELATION_HEADER, resolveCorrelationId } from '../../http/correlation.ts';
import { errorResponse } from '../../http/error-response.ts';
import { createLogger } from '../../observability/logger.ts';
import { checkAlerts } from '../../queue/alert-watch.ts';
import { openJobQueue, QUEUES } from '../../queue/job-queue.ts';
import { runScheduledTick, tickWindow } from '../../queue/scheduled-tick.ts';
import { isSignedWake, WAKE_HEADER } from '../../queue/wake-worker.ts';
import { hasDueJob, workUntilIdle } from '../../queue/work-until-idle.ts';
import { createFeatureFlags } from '../../store/feature-flags.ts';
import { alertsOf, enrichmentOf, syncDepsOf } from '../sync-deps-of.ts';
import {
  loadNetlifyConfig,
  missingConfiguration,
  type NetlifyConfig,
  netlifyStravaDeps,
  netlifyWeatherServices,
  openNetlifyDatabase,
  wakeNetlifyWorker,
} from './netlify-app.ts';
import { fallbackLogger, type NetlifyHandler } from './netlify-handler.ts';

/**
 * Netlify ends a background function after 15 minutes. The worker stops taking jobs at 13, and
 * its syncs yield at their next slice or enrichment batch (up to 90 s: a batch's place lookups
 * go at one a second); the rest covers the hand-off and the wake-up of a successor.
 */
export const WORKER_RUN_MS = 13 * 60_000;
const WORKER_STOP_TIMEOUT_MS = 90_000;

/**
 * `sync-worker-background`: works the queue (sync jobs, webhook events, the scheduled jobs) with
 * the same `startWorkers` as `stridesync worker`, until nothing is left to do or its time is up;
 * then, if jobs are due (syncs handed off as it stopped), wakes a successor. Started only by a
 * signed wake-up (src/queue/wake-worker.ts), from the API after it queued work, from the
 * scheduled tick, or from its predecessor. `runForMs` is shorter in tests.
 */
export function createSyncWorkerFunction(o: { runForMs?: number } = {}): NetlifyHandler {
  return async (req) => {
    const startedMs = Date.now();
    const correlationId = resolveCorrelationId(req.headers.get(CORRELATION_HEADER));
    const loaded = loadOrAnswer(correlationId);
    if (loaded instanceof Response) return loaded;
    const { config, jwtSecret } = loaded;
    const logger = createLogger(config.logLevel).child({ correlationId, fn: 'sync-worker' });
    if (!isSignedWake(jwtSecret, req.headers.get(WAKE_HEADER), startedMs)) {
      return errorResponse(unsignedWake(), { correlationId, logger });
    }
    if (config.mode !== 'live') {
      return errorResponse(missingConfiguration(['STRAVA_CLIENT_ID', 'STRAVA_CLIENT_SECRET']), {
        correlationId,
        logger,
        status: 503,
      });
    }
    try {
      // Each slot's transactions, pg-boss's polling and the reaper.
      const db = await openNetlifyDatabase(config, logger, config.worker.concurrency + 2);
      try {
        const ledger = createApiLedger(db, systemClock);
        const parts = {
          db,
          clock: systemClock,
          logger,
          config,
          strava: netlifyStravaDeps(config, db, jwtSecret, logger),
          weather: netlifyWeatherServices(config, ledger, db, logger),
          flags: createFeatureFlags(db, { clock: systemClock }),
        };
        const summary = await workUntilIdle(
          syncDepsOf(parts),
          {
            ...config.worker,
            owner: `netlify:${randomUUID()}`,
            schedules: null,
            stopTimeoutMs: WORKER_STOP_TIMEOUT_MS,
            enrichment: enrichmentOf(parts),
            ...alertsOf(parts),
          },
          { deadlineMs: startedMs + (o.runForMs ?? WORKER_RUN_MS) },
        );
        logger.info(summary, 'sync worker finished');
        if (summary.moreWork) {
          await wakeNetlifyWorker(new URL(req.url).origin, jwtSecret, { logger, correlationId });
        }
        return Response.json(summary);
      } finally {
        await db.close();
      }
    } catch (error) {
      return errorResponse(error, { correlationId, logger });
    }
  };
}

/**
 * `weather-enricher` (scheduled every 10 minutes): sends the jobs whose SYNC_INCREMENTAL_CRON,
 * SYNC_RECONCILE_CRON or WEATHER_BACKFILL_CRON fired in this tick's window, runs pg-boss's
 * maintenance and a reap (what a long-running worker does on its timers), then wakes the
 * background function if any job is due: the ones it sent, and any that waited (a session
 * parked until Strava's window reset, a retry, a wake-up that failed).
 */
export function createSchedulerFunction(): NetlifyHandler {
  return async (req, context) => {
    const correlationId = resolveCorrelationId(req.headers.get(CORRELATION_HEADER));
    const loaded = loadOrAnswer(correlationId);
    if (loaded instanceof Response) return loaded;
    const { config, jwtSecret } = loaded;
    const logger = createLogger(config.logLevel).child({ correlationId, fn: 'scheduler' });
    try {
      const nextRun = await nextRunOf(req);
      const db = await openNetlifyDatabase(config, logger, 1);
      try {
        const queue = await openJobQueue(db, { logger, work: false });
        try {
          const nowMs = Date.now();
          const window = tickWindow(nextRun, nowMs);
          const tick = await runScheduledTick(db, queue, {
            schedules: config.worker.schedules,
            window,
            nowMs,
            logger,
          });
          // Incidents open and resolve even when no sync runs: the tick watches too.
          const { alerts } = alertsOf({
            config,
            weather: netlifyWeatherServices(config, createApiLedger(db, systemClock), db, logger),
          });
          if (alerts) {
            await checkAlerts({ db, clock: systemClock, logger }, alerts).catch((error: unknown) =>
              logger.error({ err: error }, 'checking alerts failed'),
            );
          }
          const woke = await hasDueJob(db, Object.values(QUEUES), 0);
          if (woke) {
            const origin = context.site?.url ?? new URL(req.url).origin;
            await wakeNetlifyWorker(origin, jwtSecret, { logger, correlationId });
          }
          logger.info({ ...tick, window, woke }, 'scheduled tick ran');
          return Response.json({ ...tick, window, woke });
        } finally {
          await queue.stop({ timeoutMs: 0 });
        }
      } finally {
        await db.close();
      }
    } catch (error) {
      return errorResponse(error, { correlationId, logger });
    }
  };
}

function loadOrAnswer(correlationId: string): NetlifyConfig | Response {
  try {
    return loadNetlifyConfig();
  } catch (error) {
    return errorResponse(error, {
      correlationId,
      logger: fallbackLogger().child({ correlationId }),
      status: 503,
    });
  }
}

/** Netlify's scheduler posts `{ next_run }`; a manual invocation may post nothing. */
async function nextRunOf(req: Request): Promise<string | undefined> {
  const body: unknown = await req.json().catch(() => undefined);
  const nextRun = (body as { next_run?: unknown } | undefined)?.next_run;
  return typeof nextRun === 'string' ? nextRun : undefined;
}

function unsignedWake(): AuthenticationError {
  return new AuthenticationError({
    code: 'worker_wake_unsigned',
    userMessage: 'Only stridesync itself starts its sync worker.',
    hint: 'Start a sync with POST /api/syncs; a worker is started for it.',
  });
}
