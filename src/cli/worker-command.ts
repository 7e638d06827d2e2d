import { loadConfig, type WorkerConfig } from '../config/config.ts';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_JOB_DEADLINE_MS,
  DEFAULT_LEASE_TTL_MS,
  DEFAULT_POLLING_INTERVAL_S,
  DEFAULT_REAP_INTERVAL_MS,
  DEFAULT_STOP_TIMEOUT_MS,
  DEFAULT_SYNC_SCHEDULES,
} from '../config/defaults.ts';
import { parseCron } from '../core/cron.ts';
import { ConfigError } from '../core/errors.ts';
import { MAX_JOB_DEADLINE_MS } from '../queue/job-expiry.ts';
import { startWorkers } from '../queue/start-workers.ts';
import type { SyncSchedules } from '../queue/sync-schedules.ts';
import { openRuntime } from '../wiring/node/open-runtime.ts';
import { alertsOf, enrichmentOf, syncDepsOf } from '../wiring/sync-deps-of.ts';
import { type CliCommand, CliUsageError, type CliValues } from './command.ts';

export const workerCommand: CliCommand = {
  name: 'worker',
  summary: 'Work sync jobs from the queue until stopped (any number of machines may run one)',
  usage: `Usage: stridesync worker [options]

Works the job queue (pg-boss, in the database the environment names: DATABASE_URL, or the
embedded one in STRIDESYNC_DATA_DIR) until SIGINT or SIGTERM: sync jobs, webhook events, the
scheduled incremental and reconcile syncs and weather backfill, and the reaper that hands on the
sessions of workers that died. Any number of workers on any number of machines can share one
database; a session is worked by one of them at a time (its lease). Run 'stridesync migrate'
first. On SIGINT/SIGTERM running syncs stop at their next slice, saved, and go back to the queue.

Each setting comes from the environment variable named (README.md, Configuration); an option
overrides it.

Options:
  --concurrency <n>          sync jobs worked at once (SYNC_WORKER_CONCURRENCY, default ${DEFAULT_CONCURRENCY})
  --job-deadline <s>         seconds one job works before it checkpoints and hands the session
                             on to a new job (SYNC_JOB_DEADLINE_S, default ${DEFAULT_JOB_DEADLINE_MS / 1000}, at most ${MAX_JOB_DEADLINE_MS / 1000})
  --lease-ttl <s>            seconds a session stays held by a worker that stopped renewing it
                             (crashed): the wait before another worker takes over (SYNC_LEASE_TTL_S, default ${DEFAULT_LEASE_TTL_MS / 1000})
  --reap-interval <s>        seconds between looks for sessions no worker carries (SYNC_REAP_INTERVAL_S, default ${DEFAULT_REAP_INTERVAL_MS / 1000})
  --poll-interval <s>        seconds between asks for a job while idle (SYNC_POLL_INTERVAL_S, default ${DEFAULT_POLLING_INTERVAL_S}, at least 0.5)
  --stop-timeout <s>         on SIGINT/SIGTERM, seconds to wait for running jobs to stop at their next
                             slice (SYNC_STOP_TIMEOUT_S, default ${DEFAULT_STOP_TIMEOUT_MS / 1000}); a job still running then is
                             resumed from its checkpoint elsewhere once its lease runs out
  --incremental-cron <cron>  when to sync every connected user incrementally, UTC, or 'off'
                             (SYNC_INCREMENTAL_CRON, default '${DEFAULT_SYNC_SCHEDULES.incremental}')
  --reconcile-cron <cron>    when to reconcile every connected user, or 'off' (SYNC_RECONCILE_CRON,
                             default '${DEFAULT_SYNC_SCHEDULES.reconcile}')
  --weather-backfill-cron <cron>
                             when to queue the weather backfill, or 'off' (WEATHER_BACKFILL_CRON,
                             default '${DEFAULT_SYNC_SCHEDULES.weatherBackfill}')`,
  options: {
    concurrency: { type: 'string' },
    'job-deadline': { type: 'string' },
    'lease-ttl': { type: 'string' },
    'reap-interval': { type: 'string' },
    'poll-interval': { type: 'string' },
    'stop-timeout': { type: 'string' },
    'incremental-cron': { type: 'string' },
    'reconcile-cron': { type: 'string' },
    'weather-backfill-cron': { type: 'string' },
  },
  async run(values) {
    const config = loadConfig();
    const settings = withOptions(config.worker, values);
    if (config.mode === 'demo' && config.database.kind === 'pglite') {
      throw new ConfigError({
        code: 'worker_needs_shared_database',
        userMessage:
          'The embedded database serves one process, and `stridesync start` already runs a worker in it.',
        hint: 'Use `stridesync start` locally, or point DATABASE_URL at Postgres to run separate workers.',
      });
    }
    const runtime = await openRuntime(config, { migrate: false });
    try {
      const workers = await startWorkers(syncDepsOf(runtime), {
        ...settings,
        enrichment: enrichmentOf(runtime),
        ...alertsOf(runtime),
      });
      const where = config.database.kind === 'pglite' ? 'embedded database' : 'DATABASE_URL';
      process.stdout.write(
        `stridesync worker ${workers.owner} is working the queue (${where}, concurrency ${settings.concurrency}); Ctrl-C to stop.\n`,
      );
      const signal = await untilStopSignal();
      runtime.logger.info({ signal }, 'stopping the worker');
      await workers.stop();
      process.stdout.write(`stridesync worker ${workers.owner} stopped.\n`);
    } finally {
      await runtime.close();
    }
  },
};

/** The configured settings, with each option given on the command line instead. */
function withOptions(configured: WorkerConfig, values: CliValues): WorkerConfig {
  const concurrency = numberOption(values, 'concurrency', configured.concurrency, 1);
  if (!Number.isInteger(concurrency)) throw new CliUsageError('--concurrency must be an integer');
  const ms = (name: string, fallbackMs: number, minS: number, maxS?: number) =>
    numberOption(values, name, fallbackMs / 1000, minS, maxS) * 1000;
  return {
    concurrency,
    jobDeadlineMs: ms('job-deadline', configured.jobDeadlineMs, 1, MAX_JOB_DEADLINE_MS / 1000),
    leaseTtlMs: ms('lease-ttl', configured.leaseTtlMs, 1),
    reapIntervalMs: ms('reap-interval', configured.reapIntervalMs, 0.1),
    pollingIntervalS: numberOption(values, 'poll-interval', configured.pollingIntervalS, 0.5),
    stopTimeoutMs: ms('stop-timeout', configured.stopTimeoutMs, 0),
    schedules: schedules(configured.schedules, values),
  };
}

/** A number option within [min, max], or `fallback` when absent; a usage error otherwise. */
function numberOption(
  values: CliValues,
  name: string,
  fallback: number,
  min: number,
  max = Infinity,
) {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (typeof raw !== 'string' || !Number.isFinite(value) || value < min || value > max) {
    const range = max === Infinity ? `at least ${min}` : `between ${min} and ${max}`;
    throw new CliUsageError(`--${name} must be a number ${range} (got '${String(raw)}')`);
  }
  return value;
}

function schedules(configured: SyncSchedules, values: CliValues): SyncSchedules {
  const cron = (name: string, fallback: string | null) => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    if (raw === 'off') return null;
    try {
      parseCron(String(raw));
    } catch (error) {
      throw new CliUsageError(`--${name}: ${(error as Error).message}`);
    }
    return String(raw);
  };
  return {
    incremental: cron('incremental-cron', configured.incremental),
    reconcile: cron('reconcile-cron', configured.reconcile),
    weatherBackfill: cron('weather-backfill-cron', configured.weatherBackfill),
  };
}

function untilStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
