import type { Context } from '@netlify/functions';
import packageJson from '../../../package.json' with { type: 'json' };
import { createApiLedger } from '../../budget/api-ledger.ts';
import { type Config, loadConfig } from '../../config/config.ts';
import { systemClock } from '../../core/clock.ts';
import { ConfigError } from '../../core/errors.ts';
import {
  apiNamesOf,
  createEnrichmentServices,
  type EnrichmentServices,
  stridesyncUserAgent,
} from '../../enrichment/enrichment-services.ts';
import { estimateSettingsOf } from '../../estimate/estimate-settings.ts';
import { type AppDeps, createApp } from '../../http/app.ts';
import { CORRELATION_HEADER } from '../../http/correlation.ts';
import { createJwtVerifier } from '../../http/jwt.ts';
import { EVENT_QUEUED_HEADER } from '../../http/routes/strava-webhook.ts';
import { createLogger, type Logger } from '../../observability/logger.ts';
import { openJobQueue } from '../../queue/job-queue.ts';
import { createWakeDebounce, wakeWorker } from '../../queue/wake-worker.ts';
import type { Database } from '../../store/database.ts';
import { createFeatureFlags } from '../../store/feature-flags.ts';
import { openDatabase } from '../../store/open-database.ts';
import { createOpsRecorder } from '../../store/ops-recorder.ts';
import { createTokenCipher } from '../../strava/token-crypto.ts';
import { createStravaDeps } from '../strava-deps.ts';

type Env = Record<string, string | undefined>;

/** Where Netlify serves the background function (its file: sync-worker-background.mts). */
export const WORKER_FUNCTION_PATH = '/.netlify/functions/sync-worker-background';

/** What a Netlify handler serves: the app, or the app with something around it. */
export interface NetlifyApp {
  fetch(req: Request, env: { context: Context }): Response | Promise<Response>;
}

export interface NetlifyConfig {
  config: Config;
  /** SUPABASE_JWT_SECRET: verifies users' tokens, signs OAuth states and worker wake-ups. */
  jwtSecret: string;
}

/**
 * Configuration as every Netlify function reads it. `DATABASE_URL` and `SUPABASE_JWT_SECRET` are
 * required here: without them the app would quietly serve an embedded database that dies with
 * the instance, and accept no one's token.
 */
export function loadNetlifyConfig(env: Env = process.env): NetlifyConfig {
  const config = loadConfig(env);
  const jwtSecret = config.supabase.jwtSecret;
  const missing = [
    ...(config.database.kind === 'postgres' ? [] : ['DATABASE_URL']),
    ...(jwtSecret ? [] : ['SUPABASE_JWT_SECRET']),
  ];
  if (missing.length > 0 || !jwtSecret) throw missingConfiguration(missing);
  return { config, jwtSecret };
}

/**
 * The app as a Netlify function serves it: configuration from `env`, one pooled connection, and
 * a worker woken for the work a request queued (see `wakesWorker`).
 */
export async function buildNetlifyApp(env: Env = process.env): Promise<NetlifyApp> {
  const { config, jwtSecret } = loadNetlifyConfig(env);
  const logger = createLogger(config.logLevel);
  // A function instance serves one request at a time: a bigger pool per instance would only add
  // to the connections many instances open on Supabase's pooler.
  const db = await openNetlifyDatabase(config, logger, 1);
  const weather = netlifyWeatherServices(config, createApiLedger(db, systemClock), db, logger);
  const deps: AppDeps = {
    db,
    clock: systemClock,
    logger,
    auth: createJwtVerifier({
      secret: jwtSecret,
      ...(config.supabase.url ? { supabaseUrl: config.supabase.url } : {}),
    }),
    version: packageJson.version,
    webhookVerifyToken: config.strava.webhookVerifyToken,
    corsOrigins: config.corsOrigins,
    // Functions send jobs; the background function works them.
    queue: await openJobQueue(db, { logger, work: false }),
    ...(config.mode === 'live' ? { strava: netlifyStravaDeps(config, db, jwtSecret, logger) } : {}),
    estimate: estimateSettingsOf(weather),
    metricsToken: config.metricsToken,
    flags: createFeatureFlags(db, { clock: systemClock }),
    apis: apiNamesOf(weather),
  };
  const app = createApp(deps);
  const wakeNow = createWakeDebounce();
  return {
    async fetch(req, env) {
      const response = await app.fetch(req, env);
      if (wakesWorker(req, response) && wakeNow(Date.now())) {
        const wake = wakeNetlifyWorker(new URL(req.url).origin, jwtSecret, {
          logger,
          correlationId: response.headers.get(CORRELATION_HEADER) ?? undefined,
        });
        // Netlify keeps the instance alive for it after the response; elsewhere, wait.
        if (typeof env.context?.waitUntil === 'function') env.context.waitUntil(wake);
        else await wake;
      }
      return response;
    },
  };
}

/**
 * Requests that queued work for a worker: a new sync session (202) and a webhook event queued
 * (not one dropped). On Netlify nothing runs between requests, so these wake the background
 * function, at most once per WAKE_DEBOUNCE_MS per instance; anything a wake misses is picked up
 * by the scheduled tick.
 */
function wakesWorker(req: Request, response: Response): boolean {
  if (req.method !== 'POST') return false;
  const { pathname } = new URL(req.url);
  if (pathname === '/api/syncs') return response.status === 202;
  return pathname === '/api/strava/webhook' && response.headers.has(EVENT_QUEUED_HEADER);
}

/**
 * Starts the background function at `origin`. Never throws: a failed wake-up is logged, and the
 * work it was for stays queued until the next scheduled tick wakes a worker.
 */
export async function wakeNetlifyWorker(
  origin: string,
  secret: string,
  o: { logger: Logger; correlationId?: string },
): Promise<void> {
  try {
    await wakeWorker(`${origin}${WORKER_FUNCTION_PATH}`, secret, {
      nowMs: Date.now(),
      correlationId: o.correlationId,
    });
  } catch (error) {
    o.logger.error({ err: error, correlationId: o.correlationId }, 'waking the sync worker failed');
  }
}

export function openNetlifyDatabase(config: Config, logger: Logger, max: number) {
  return openDatabase(config.database, {
    max,
    onError: (error) => logger.error({ err: error }, 'database connection failed'),
  });
}

/** The weather and place providers as configured (on Netlify there are no simulators). */
export function netlifyWeatherServices(
  config: Config,
  ledger: ReturnType<typeof createApiLedger>,
  db: Database,
  logger: Logger,
): EnrichmentServices {
  return createEnrichmentServices(config.weather, {
    ledger,
    clock: systemClock,
    http: { observer: createOpsRecorder(db, systemClock, logger) },
    userAgent: stridesyncUserAgent(config.publicUrl, packageJson.version),
  });
}

/** With real credentials (config guarantees TOKEN_ENCRYPTION_KEY then), the Strava parts. */
export function netlifyStravaDeps(config: Config, db: Database, jwtSecret: string, logger: Logger) {
  return createStravaDeps({
    db,
    clock: systemClock,
    ledger: createApiLedger(db, systemClock),
    endpoints: {
      apiUrl: config.strava.apiUrl,
      oauthUrl: config.strava.oauthUrl,
      clientId: config.strava.clientId as string,
      clientSecret: config.strava.clientSecret as string,
    },
    tokenCipher: createTokenCipher(config.tokenEncryptionKeys ?? []),
    serverSecret: jwtSecret,
    publicUrl: config.publicUrl,
    athleteLimit: config.strava.athleteLimit,
    logger,
    observer: createOpsRecorder(db, systemClock, logger),
  });
}

export function missingConfiguration(names: readonly string[]): ConfigError {
  const list = names.join(' and ');
  return new ConfigError({
    code: 'missing_configuration',
    userMessage: `The server is not configured: ${list} ${names.length > 1 ? 'are' : 'is'} not set.`,
    hint: `Set ${list} in the Netlify site's environment variables and redeploy.`,
  });
}
