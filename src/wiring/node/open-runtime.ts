import { Hono } from 'hono';
import packageJson from '../../../package.json' with { type: 'json' };
import { createSimulators, type Simulators } from '../../../sim/index.ts';
import { createApiLedger } from '../../budget/api-ledger.ts';
import type { Config } from '../../config/config.ts';
import { type Clock, systemClock } from '../../core/clock.ts';
import {
  apiNamesOf,
  createEnrichmentServices,
  type EnrichmentServices,
  stridesyncUserAgent,
} from '../../enrichment/enrichment-services.ts';
import { type EstimateSettings, estimateSettingsOf } from '../../estimate/estimate-settings.ts';
import { createApp } from '../../http/app.ts';
import { handleNotFound } from '../../http/error-response.ts';
import { createJwtVerifier, type JwtVerifier } from '../../http/jwt.ts';
import { startServer } from '../../http/node-server.ts';
import { createLogger, type Logger } from '../../observability/logger.ts';
import { createProgressHub, type ProgressHub } from '../../progress/progress-hub.ts';
import { type JobQueue, openJobQueue } from '../../queue/job-queue.ts';
import { announceLocalServer } from '../../store/data-dir-lock.ts';
import type { Database } from '../../store/database.ts';
import { createFeatureFlags, type FeatureFlags } from '../../store/feature-flags.ts';
import { migrate, requireMigrated } from '../../store/migrations.ts';
import { openDatabase } from '../../store/open-database.ts';
import { createOpsRecorder } from '../../store/ops-recorder.ts';
import type { StravaDeps } from '../../strava/strava-deps.ts';
import { createTokenCipher } from '../../strava/token-crypto.ts';
import { createStravaDeps } from '../strava-deps.ts';
import { prepareDashboard } from './dashboard.ts';
import { DEMO_ATHLETE, DEMO_USER, ensureDemoUser } from './demo-user.ts';
import { loadOrCreateLocalSecrets } from './local-secrets.ts';
import { SIMULATORS_PATH, serviceEndpoints } from './service-endpoints.ts';

/**
 * The real Nominatim allows one request a second; the demo's is a simulator in this process, so
 * the demo paces geocoding faster and a first sync shows its places in seconds, not minutes.
 * The simulator allows a fifth of the client's interval, so timer jitter never trips it.
 */
const DEMO_GEOCODING_INTERVAL_MS = 50;

/**
 * What calls take against the in-process simulators, for the estimate: no network, the
 * simulators' own work, and the demo's geocoding pace.
 */
const DEMO_ESTIMATE_TIMING = {
  stravaCallMs: 30,
  weatherCallMs: 10,
  placeCallMs: 10,
  nominatimIntervalMs: DEMO_GEOCODING_INTERVAL_MS,
};

/**
 * Everything a long-running process (`serve`, `start`, later `worker`) shares: configuration,
 * logger, database, token verifier and the Strava parts. In demo mode (no Strava credentials)
 * the simulators run in this process, mounted on the local server, and every client points at
 * them; with credentials, the same code points at the real services.
 */
export interface Runtime {
  config: Config;
  logger: Logger;
  db: Database;
  clock: Clock;
  auth: JwtVerifier;
  /** Set when this install signs its own users' tokens (no SUPABASE_JWT_SECRET). */
  localJwtSecret: string | undefined;
  strava: StravaDeps;
  /** Weather and place providers: the simulators in demo mode, else as configured. */
  weather: EnrichmentServices;
  /** The feature flags, read from the database and cached for 30 s. */
  flags: FeatureFlags;
  /** Sends sync jobs (this process does not work them; workers do). */
  queue: JobQueue;
  /** Live progress for the local server's Server-Sent Events. */
  progressHub: ProgressHub;
  /** Demo mode only: the simulators, served under SIMULATORS_PATH. */
  simulators: Simulators | undefined;
  close(): Promise<void>;
}

export async function openRuntime(config: Config, options: { migrate: boolean }): Promise<Runtime> {
  const logger = createLogger(config.logLevel);
  const clock = systemClock;
  const localSecrets =
    config.supabase.jwtSecret && config.tokenEncryptionKeys
      ? undefined
      : loadOrCreateLocalSecrets(config.dataDir);
  const localJwtSecret = config.supabase.jwtSecret ? undefined : localSecrets?.jwtSecret;
  const serverSecret = config.supabase.jwtSecret ?? (localJwtSecret as string);
  const tokenCipher = createTokenCipher(
    config.tokenEncryptionKeys ?? [
      { version: 1, key: Buffer.from(localSecrets?.tokenEncryptionKey ?? '', 'base64') },
    ],
  );
  const db = await openDatabase(config.database, {
    onError: (error) => logger.error({ err: error }, 'database connection failed'),
  });
  try {
    if (options.migrate) logger.info(await migrate(db), 'database migrated');
    else await requireMigrated(db);
    // Without Supabase Auth, the local install has one user to sign in as: the demo runner.
    if (localJwtSecret) await ensureDemoUser(db);
  } catch (error) {
    await db.close();
    throw error;
  }

  const simulators =
    config.mode === 'demo'
      ? createSimulators({
          clock,
          athletes: [DEMO_ATHLETE],
          nominatimMinIntervalMs: DEMO_GEOCODING_INTERVAL_MS / 5,
        })
      : undefined;
  const endpoints = serviceEndpoints(config);
  const ledger = createApiLedger(db, clock);
  const progressHub = createProgressHub(db, logger);
  const observer = createOpsRecorder(db, clock, logger);
  const weather = createEnrichmentServices(endpoints.weather, {
    ledger,
    clock,
    http: { observer },
    userAgent: stridesyncUserAgent(config.publicUrl, packageJson.version),
    ...(simulators ? { nominatimMinIntervalMs: DEMO_GEOCODING_INTERVAL_MS } : {}),
  });
  const queue = await openJobQueue(db, { logger, work: false });
  return {
    config,
    logger,
    db,
    clock,
    auth: createJwtVerifier({
      secret: serverSecret,
      ...(config.supabase.url ? { supabaseUrl: config.supabase.url } : {}),
    }),
    localJwtSecret,
    strava: createStravaDeps({
      db,
      clock,
      ledger,
      endpoints: endpoints.strava,
      tokenCipher,
      serverSecret,
      publicUrl: config.publicUrl,
      athleteLimit: config.strava.athleteLimit,
      logger,
      observer,
    }),
    simulators,
    weather,
    flags: createFeatureFlags(db, { clock }),
    queue,
    progressHub,
    async close() {
      await progressHub.close();
      await queue.stop({ timeoutMs: 0 });
      await simulators?.close();
      await db.close();
    },
  };
}

/** What the estimate is given: the providers as configured, timed as the demo's when simulated. */
export function runtimeEstimateSettings(runtime: Runtime): EstimateSettings | undefined {
  return estimateSettingsOf(runtime.weather, runtime.simulators ? DEMO_ESTIMATE_TIMING : undefined);
}

/**
 * Serves the API, the dashboard and, in demo mode, the simulators until SIGINT/SIGTERM, then
 * closes in order.
 */
export async function serveUntilStopped(
  runtime: Runtime,
  onListening: (url: string, served: { dashboard: boolean }) => void | Promise<void>,
): Promise<void> {
  const api = createApp({
    db: runtime.db,
    clock: runtime.clock,
    progressHub: runtime.progressHub,
    queue: runtime.queue,
    webhookVerifyToken: runtime.config.strava.webhookVerifyToken,
    corsOrigins: runtime.config.corsOrigins,
    logger: runtime.logger,
    auth: runtime.auth,
    version: packageJson.version,
    strava: runtime.strava,
    estimate: runtimeEstimateSettings(runtime),
    metricsToken: runtime.config.metricsToken,
    flags: runtime.flags,
    apis: apiNamesOf(runtime.weather),
    // The dashboard's sign-in on an install that signs its own tokens.
    ...(runtime.localJwtSecret
      ? { localSession: { jwtSecret: runtime.localJwtSecret, user: DEMO_USER } }
      : {}),
  });
  const root = new Hono().route('/', api);
  if (runtime.simulators) root.route(SIMULATORS_PATH, runtime.simulators.app);
  // Last, so the dashboard answers only what the API and the simulators do not.
  const dashboard = await prepareDashboard(runtime.logger);
  if (dashboard) root.route('/', dashboard);
  // A mounted app's notFound does not carry over: unknown paths answer in the API's error shape.
  root.notFound(handleNotFound);
  const server = await startServer(root, { port: runtime.config.port });
  // Commands run beside this server (status, inspect, sync) find it in the embedded lock file.
  const { database } = runtime.config;
  if (database.kind === 'pglite') announceLocalServer(database.dataDir, server.url);
  await onListening(server.url, { dashboard: dashboard !== undefined });
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      runtime.logger.info({ signal }, 'shutting down');
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  await runtime.close();
}
