import { loadConfig } from '../config.ts';
import { ConfigError } from '../core/errors.ts';
import { MAX_JOB_DEADLINE_MS } from '../queue/job-queue.ts';
import {
  DEFAULT_JOB_DEADLINE_MS,
  DEFAULT_POLLING_INTERVAL_S,
  DEFAULT_REAP_INTERVAL_MS,
  startWorkers,
  type WorkerSettings,
} from '../queue/start-workers.ts';
import { syncDepsOf } from '../queue/sync-deps-of.ts';
import { DEFAULT_SYNC_SCHEDULES, type SyncSchedules } from '../queue/sync-schedules.ts';
import { openRuntime } from '../runtime/open-runtime.ts';
import { LEASE_TTL_MS } from '../sync/run-sync.ts';
import { type CliCommand, CliUsageError, type CliValues } from './command.ts';

const DEFAULT_STOP_TIMEOUT_S = 25;

export const workerCommand: CliCommand = {
  name: 'worker',
  summary: 'Work sync jobs from the queue until stopped (any number of machines may run one)',
  usage: `Usage: stridesync worker [options]

Works the job queue (pg-boss, in the database the environment names: DATABASE_URL, or the
embedded one in STRIDESYNC_DATA_DIR) until SIGINT or SIGTERM: sync jobs, the scheduled
incremental and reconcile syncs, and the reaper that hands on the sessions of workers that died.
Any number of workers on any number of machines can share one database; a session is worked by
one of them at a time (its lease). Run 'stridesync migrate' first.

Options:
  --concurrency <n>          sync jobs worked at once (default 1)
  --job-deadline <s>         seconds one job works before it checkpoints and hands the session
                             on to a new job (default ${DEFAULT_JOB_DEADLINE_MS / 1000}, at most ${MAX_JOB_DEADLINE_MS / 1000})
  --lease-ttl <s>            seconds a session stays held by a worker that stopped renewing it
                             (crashed): the wait before another worker takes over (default ${LEASE_TTL_MS / 1000})
  --reap-interval <s>        seconds between looks for sessions no worker carries (default ${DEFAULT_REAP_INTERVAL_MS / 1000})
  --poll-interval <s>        seconds between asks for a job while idle (default ${DEFAULT_POLLING_INTERVAL_S}, at least 0.5)
  --stop-timeout <s>         on SIGINT/SIGTERM, seconds to let running jobs finish (default ${DEFAULT_STOP_TIMEOUT_S});
                             a job still running then is resumed from its checkpoint elsewhere
  --incremental-cron <cron>  when to sync every connected user incrementally, UTC, or 'off'
                             (default '${DEFAULT_SYNC_SCHEDULES.incremental}')
  --reconcile-cron <cron>    when to reconcile every connected user, or 'off' (default '${DEFAULT_SYNC_SCHEDULES.reconcile}')
  --weather-backfill-cron <cron>
                             when to queue the weather backfill, or 'off' (default '${DEFAULT_SYNC_SCHEDULES.weatherBackfill}')`,
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
    const settings = workerSettings(values);
    const stopTimeoutMs = numberOption(values, 'stop-timeout', DEFAULT_STOP_TIMEOUT_S, 0) * 1000;
    const config = loadConfig();
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
        enrichment: { ...runtime.weather, clock: runtime.clock },
      });
      const where = config.database.kind === 'pglite' ? 'embedded database' : 'DATABASE_URL';
      process.stdout.write(
        `stridesync worker ${workers.owner} is working the queue (${where}, concurrency ${settings.concurrency ?? 1}); Ctrl-C to stop.\n`,
      );
      const signal = await untilStopSignal();
      runtime.logger.info({ signal }, 'stopping the worker');
      await workers.stop(stopTimeoutMs);
      process.stdout.write(`stridesync worker ${workers.owner} stopped.\n`);
    } finally {
      await runtime.close();
    }
  },
};

function workerSettings(values: CliValues): WorkerSettings {
  const concurrency = numberOption(values, 'concurrency', 1, 1);
  if (!Number.isInteger(concurrency)) throw new CliUsageError('--concurrency must be an integer');
  return {
    concurrency,
    jobDeadlineMs:
      numberOption(
        values,
        'job-deadline',
        DEFAULT_JOB_DEADLINE_MS / 1000,
        1,
        MAX_JOB_DEADLINE_MS / 1000,
      ) * 1000,
    leaseTtlMs: numberOption(values, 'lease-ttl', LEASE_TTL_MS / 1000, 1) * 1000,
    reapIntervalMs:
      numberOption(values, 'reap-interval', DEFAULT_REAP_INTERVAL_MS / 1000, 0.1) * 1000,
    pollingIntervalS: numberOption(values, 'poll-interval', DEFAULT_POLLING_INTERVAL_S, 0.5),
    schedules: schedules(values),
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

function schedules(values: CliValues): SyncSchedules {
  const cron = (name: string, fallback: string | null) => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    return raw === 'off' ? null : String(raw);
  };
  return {
    incremental: cron('incremental-cron', DEFAULT_SYNC_SCHEDULES.incremental),
    reconcile: cron('reconcile-cron', DEFAULT_SYNC_SCHEDULES.reconcile),
    weatherBackfill: cron('weather-backfill-cron', DEFAULT_SYNC_SCHEDULES.weatherBackfill),
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
