/**
 * A worker process for the chaos and load suites: what `stridesync worker` runs (loadConfig →
 * openRuntime → startWorkers with the runtime's sync deps and enrichment, SIGTERM stops it
 * gracefully, the CLI's process handlers), with two differences a simulator allows and a test needs:
 * - geocoding is not paced at Nominatim's public one request a second, the providers' budgets are
 *   raised and their HTTP timeout is short (the simulators hang requests on purpose);
 * - every Strava listing call is logged on stdout as `CALL {"token","start","end"}`, so the
 *   suite can prove no two processes worked one runner's session at the same time.
 * Settings: STRIDESYNC_TEST_WORKER, JSON of WorkerSettings' numbers (+ `httpTimeoutMs`).
 */
import { createApiLedger } from '../../src/budget/api-ledger.ts';
import { installProcessHandlers } from '../../src/cli.ts';
import { loadConfig } from '../../src/config/config.ts';
import {
  createEnrichmentServices,
  stridesyncUserAgent,
} from '../../src/enrichment/enrichment-services.ts';
import { startWorkers } from '../../src/queue/start-workers.ts';
import { openRuntime } from '../../src/wiring/node/open-runtime.ts';
import { enrichmentOf, syncDepsOf } from '../../src/wiring/sync-deps-of.ts';

const settings = JSON.parse(process.env.STRIDESYNC_TEST_WORKER ?? '{}') as {
  concurrency?: number;
  jobDeadlineMs?: number;
  leaseTtlMs?: number;
  reapIntervalMs?: number;
  pollingIntervalS?: number;
  stopTimeoutMs?: number;
  perPage?: number;
  httpTimeoutMs?: number;
};
const config = loadConfig();
const runtime = await openRuntime(config, { migrate: false });
// As `stridesync worker` does: a failure nothing awaited is logged, not fatal.
installProcessHandlers(runtime.logger);
const many = 1_000_000;
const weather = createEnrichmentServices(config.weather, {
  ledger: createApiLedger(runtime.db, runtime.clock),
  clock: runtime.clock,
  userAgent: stridesyncUserAgent('https://stridesync.test'),
  nominatimMinIntervalMs: 0,
  limits: {
    openMeteo: { weightedPerDay: many, weightedPerMinute: many },
    nominatim: { perDay: many, perMinute: many },
  },
  http: { timeoutMs: settings.httpTimeoutMs ?? 2_000 },
});
const parts = { ...runtime, weather };
const deps = syncDepsOf(parts);
const client = deps.strava.client;
deps.strava = {
  ...deps.strava,
  client: {
    ...client,
    listActivities: async (token, params) => {
      const start = Date.now();
      try {
        return await client.listActivities(token, params);
      } finally {
        process.stdout.write(
          `CALL ${JSON.stringify({ token: token.slice(0, 12), start, end: Date.now() })}\n`,
        );
      }
    },
  },
};
const workers = await startWorkers(deps, {
  ...config.worker,
  ...settings,
  schedules: { incremental: null, reconcile: null, weatherBackfill: null },
  enrichment: enrichmentOf(parts),
});
process.stdout.write(`worker ${workers.owner} is working the queue\n`);
const signal = await new Promise<string>((resolve) => {
  process.once('SIGTERM', () => resolve('SIGTERM'));
  process.once('SIGINT', () => resolve('SIGINT'));
});
runtime.logger.info({ signal }, 'stopping the test worker');
await workers.stop();
await runtime.close();
process.stdout.write(`worker ${workers.owner} stopped\n`);
process.exit(0);
