import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_PROVIDER_LIMITS } from '../budget/provider-limits.ts';
import { parseCron } from '../core/cron.ts';
import { ConfigError, type FieldIssue } from '../core/errors.ts';
import {
  OPEN_METEO_CUSTOMER_ARCHIVE_URL,
  OPEN_METEO_FREE_ARCHIVE_URL,
  PLACE_PROVIDERS,
  WEATHER_PROVIDERS,
  type WeatherSettings,
} from '../enrichment/weather-settings.ts';
import { LOG_LEVELS, type LogLevel } from '../observability/logger.ts';
import { MAX_JOB_DEADLINE_MS } from '../queue/job-expiry.ts';
import type { SyncSchedules } from '../queue/sync-schedules.ts';
import type { DatabaseLocation } from '../store/open-database.ts';
import type { EncryptionKey } from '../strava/token-crypto.ts';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_JOB_DEADLINE_MS,
  DEFAULT_LEASE_TTL_MS,
  DEFAULT_POLLING_INTERVAL_S,
  DEFAULT_REAP_INTERVAL_MS,
  DEFAULT_STOP_TIMEOUT_MS,
  DEFAULT_SYNC_SCHEDULES,
} from './defaults.ts';

/**
 * Environment → typed, validated configuration, in one place. Every variable the system reads
 * is here, with its default; README.md's configuration table lists the same set.
 *
 * Mode: without Strava credentials the system runs in `demo` mode against its own simulators;
 * with them it talks to the real services (`live`). Empty strings count as unset, as `.env`
 * files and CI secrets often leave them.
 */

export interface Config {
  mode: 'demo' | 'live';
  dataDir: string;
  database: DatabaseLocation;
  strava: {
    clientId: string | undefined;
    clientSecret: string | undefined;
    apiUrl: string;
    oauthUrl: string;
    /** Strava sport types kept as runs; everything else is listed and skipped. */
    sportTypes: readonly string[];
    /** The `verify_token` the push subscription was created with; unset: no webhook. */
    webhookVerifyToken: string | undefined;
    /** The Strava application's connected-athlete limit; unset: connects are never refused here. */
    athleteLimit: number | undefined;
  };
  weather: WeatherSettings;
  /**
   * When an athlete revokes stridesync on Strava: delete their synced data (the default, as
   * Strava's API agreement asks), or keep it (a runner hosting their own copy).
   */
  purgeOnDeauthorize: boolean;
  /** Newest first: the first key encrypts, every key decrypts. Undefined → a local demo key. */
  tokenEncryptionKeys: readonly EncryptionKey[] | undefined;
  supabase: { url: string | undefined; jwtSecret: string | undefined };
  publicUrl: string;
  /** Browser origins allowed to call the API (CORS): PUBLIC_URL's origin and CORS_ORIGINS. */
  corsOrigins: readonly string[];
  port: number;
  logLevel: LogLevel;
  /** How workers work the queue (`stridesync worker`, `start`, Netlify's background function). */
  worker: WorkerConfig;
  /** The bearer token `GET /api/metrics` asks for; unset, metrics are served on loopback only. */
  metricsToken: string | undefined;
  /** Where workers post alerts (Slack-compatible JSON), once per incident and resolution. */
  alertWebhookUrl: string | undefined;
}

export interface WorkerConfig {
  /** Sync jobs one worker works at once. */
  concurrency: number;
  /** How long one job works before it checkpoints and hands the session to a new job. */
  jobDeadlineMs: number;
  /** How long a session stays held by a worker that stopped renewing it (crashed). */
  leaseTtlMs: number;
  reapIntervalMs: number;
  pollingIntervalS: number;
  /** How long a stopping worker waits for its running jobs to yield. */
  stopTimeoutMs: number;
  schedules: SyncSchedules;
}

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .transform((url) => url.replace(/\/+$/, ''));

const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\/.+/, 'must be a postgres:// or postgresql:// connection string');

/** A number of seconds within [min, max] (an integer when `integer`), from the environment. */
function seconds(min: number, max: number, fallback: number) {
  const message = `must be a number of seconds between ${min} and ${max}`;
  return z.coerce.number({ error: message }).min(min, message).max(max, message).default(fallback);
}

/** A provider's limit of calls per window: a whole number within [1, max], default `fallback`. */
function callLimit(max: number, fallback: number) {
  const message = `must be a whole number of calls between 1 and ${max}`;
  return z.coerce
    .number({ error: message })
    .int(message)
    .min(1, message)
    .max(max, message)
    .default(fallback);
}

/** A five-field cron expression (UTC), or `off`; `off` becomes null. */
function cronOrOff(fallback: string | null) {
  return z
    .string()
    .transform((value, ctx) => {
      if (value === 'off') return null;
      try {
        parseCron(value);
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          message: `must be a five-field cron expression (UTC) or off: ${(error as Error).message}`,
        });
        return z.NEVER;
      }
      return value;
    })
    .default(fallback);
}

const encryptionKeys = z.string().transform((value, ctx): EncryptionKey[] => {
  const keys: EncryptionKey[] = [];
  for (const entry of value.split(',')) {
    const match = /^(?:(\d+):)?(.+)$/.exec(entry.trim());
    const key = match?.[2] ? Buffer.from(match[2], 'base64') : Buffer.alloc(0);
    if (key.length !== 32) {
      ctx.addIssue({
        code: 'custom',
        message:
          'must be 32 random bytes in base64 (generate one with `openssl rand -base64 32`), ' +
          'optionally as a comma-separated list of `version:key`, newest first',
      });
      return z.NEVER;
    }
    keys.push({ version: match?.[1] ? Number(match[1]) : 1, key });
  }
  if (new Set(keys.map((k) => k.version)).size !== keys.length) {
    ctx.addIssue({ code: 'custom', message: 'must give each key its own version (`version:key`)' });
    return z.NEVER;
  }
  return keys;
});

const envSchema = z.object({
  DATABASE_URL: postgresUrl.optional(),
  STRIDESYNC_DATA_DIR: z.string().default('.stridesync'),
  STRAVA_CLIENT_ID: z.string().regex(/^\d+$/, 'must be the numeric client id').optional(),
  STRAVA_CLIENT_SECRET: z.string().min(1).optional(),
  STRAVA_API_URL: httpUrl.default('https://www.strava.com/api/v3'),
  STRAVA_OAUTH_URL: httpUrl.default('https://www.strava.com/oauth'),
  STRAVA_SPORT_TYPES: z
    .string()
    .regex(
      /^[A-Za-z]+(\s*,\s*[A-Za-z]+)*$/,
      'must be a comma-separated list of Strava sport types, e.g. Run,TrailRun',
    )
    .transform((list) => list.split(',').map((type) => type.trim()))
    .default(['Run', 'TrailRun', 'VirtualRun']),
  STRAVA_ATHLETE_LIMIT: z.coerce
    .number({ error: 'must be a positive integer' })
    .int('must be a positive integer')
    .min(1, 'must be a positive integer')
    .optional(),
  STRAVA_WEBHOOK_VERIFY_TOKEN: z.string().min(8, 'must be at least 8 characters').optional(),
  OPENWEATHER_API_KEY: z.string().min(1).optional(),
  OPENWEATHER_API_URL: httpUrl.default('https://api.openweathermap.org'),
  OPENWEATHER_ONECALL_DAILY_LIMIT: callLimit(
    10_000_000,
    DEFAULT_PROVIDER_LIMITS.openWeatherMap.oneCallPerDay,
  ),
  OPENWEATHER_PER_MINUTE_LIMIT: callLimit(
    1_000_000,
    DEFAULT_PROVIDER_LIMITS.openWeatherMap.perMinute,
  ),
  OPEN_METEO_API_KEY: z.string().min(1).optional(),
  OPEN_METEO_ARCHIVE_URL: httpUrl.optional(),
  OPEN_METEO_DAILY_LIMIT: callLimit(10_000_000, DEFAULT_PROVIDER_LIMITS.openMeteo.weightedPerDay),
  OPEN_METEO_PER_MINUTE_LIMIT: callLimit(
    1_000_000,
    DEFAULT_PROVIDER_LIMITS.openMeteo.weightedPerMinute,
  ),
  NOMINATIM_URL: httpUrl.default('https://nominatim.openstreetmap.org'),
  WEATHER_PROVIDER: z
    .enum(WEATHER_PROVIDERS, { error: `must be one of ${WEATHER_PROVIDERS.join(', ')}` })
    .default('auto'),
  PLACE_PROVIDER: z
    .enum(PLACE_PROVIDERS, { error: `must be one of ${PLACE_PROVIDERS.join(', ')}` })
    .default('auto'),
  TOKEN_ENCRYPTION_KEY: encryptionKeys.optional(),
  PURGE_ON_DEAUTHORIZE: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('true')
    .transform((value) => value === 'true'),
  SUPABASE_URL: httpUrl.optional(),
  SUPABASE_JWT_SECRET: z
    .string()
    .min(32, 'must be at least 32 characters (Supabase: Project Settings → API → JWT secret)')
    .optional(),
  PUBLIC_URL: httpUrl.optional(),
  CORS_ORIGINS: z
    .string()
    .transform((list, ctx) => {
      const origins = list
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean);
      for (const origin of origins) {
        if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
          ctx.addIssue({
            code: 'custom',
            message: 'must be a comma-separated list of origins like https://app.example.com',
          });
          return z.NEVER;
        }
      }
      return origins;
    })
    .optional(),
  PORT: z.coerce
    .number({ error: 'must be an integer between 1 and 65535' })
    .int('must be an integer between 1 and 65535')
    .min(1, 'must be an integer between 1 and 65535')
    .max(65535, 'must be an integer between 1 and 65535')
    .default(8787),
  LOG_LEVEL: z
    .enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` })
    .default('info'),
  SYNC_WORKER_CONCURRENCY: z.coerce
    .number({ error: 'must be an integer between 1 and 32' })
    .int('must be an integer between 1 and 32')
    .min(1, 'must be an integer between 1 and 32')
    .max(32, 'must be an integer between 1 and 32')
    .default(DEFAULT_CONCURRENCY),
  SYNC_JOB_DEADLINE_S: seconds(1, MAX_JOB_DEADLINE_MS / 1000, DEFAULT_JOB_DEADLINE_MS / 1000),
  SYNC_LEASE_TTL_S: seconds(1, 3600, DEFAULT_LEASE_TTL_MS / 1000),
  SYNC_REAP_INTERVAL_S: seconds(0.1, 3600, DEFAULT_REAP_INTERVAL_MS / 1000),
  // pg-boss polls at most every half second.
  SYNC_POLL_INTERVAL_S: seconds(0.5, 600, DEFAULT_POLLING_INTERVAL_S),
  SYNC_STOP_TIMEOUT_S: seconds(0, 600, DEFAULT_STOP_TIMEOUT_MS / 1000),
  SYNC_INCREMENTAL_CRON: cronOrOff(DEFAULT_SYNC_SCHEDULES.incremental),
  SYNC_RECONCILE_CRON: cronOrOff(DEFAULT_SYNC_SCHEDULES.reconcile),
  WEATHER_BACKFILL_CRON: cronOrOff(DEFAULT_SYNC_SCHEDULES.weatherBackfill),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  ALERT_WEBHOOK_URL: httpUrl.optional(),
});

type Env = Record<string, string | undefined>;

/** Every variable this module reads; README.md's configuration table lists exactly these. */
export const CONFIG_VARIABLES = Object.keys(envSchema.shape);

/** Variables whose values must never be echoed in an error (DATABASE_URL may hold a password). */
const SECRET_VARIABLES = new Set([
  'DATABASE_URL',
  'STRAVA_WEBHOOK_VERIFY_TOKEN',
  'STRAVA_CLIENT_SECRET',
  'OPENWEATHER_API_KEY',
  'OPEN_METEO_API_KEY',
  'TOKEN_ENCRYPTION_KEY',
  'SUPABASE_JWT_SECRET',
  'METRICS_TOKEN',
  'ALERT_WEBHOOK_URL',
]);

/** Reads and validates the environment; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const read = readConfig(env, cwd);
  if ('issues' in read) throw invalidConfig(read.issues);
  return read.config;
}

/**
 * The configuration, or every problem with the environment, each naming its variable (never
 * echoing a secret's value): what `loadConfig` throws, for a caller that lists them one by one
 * (`stridesync doctor`).
 */
export function readConfig(
  env: Env = process.env,
  cwd = process.cwd(),
): { config: Config } | { issues: FieldIssue[] } {
  const present = Object.fromEntries(
    CONFIG_VARIABLES.map((name) => [name, env[name]?.trim()] as const).filter(
      ([, value]) => value !== undefined && value !== '',
    ),
  );
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    return {
      issues: parsed.error.issues.map((issue) => {
        const name = String(issue.path[0]);
        const got = SECRET_VARIABLES.has(name) ? 'value hidden' : `got '${present[name]}'`;
        return { path: name, message: `${name} ${issue.message} (${got})` };
      }),
    };
  }
  const e = parsed.data;
  const issues = crossFieldIssues(e);
  if (issues.length > 0) return { issues };
  return { config: configOf(e, cwd) };
}

function configOf(e: z.infer<typeof envSchema>, cwd: string): Config {
  const dataDir = path.resolve(cwd, e.STRIDESYNC_DATA_DIR);
  const mode = e.STRAVA_CLIENT_ID ? 'live' : 'demo';
  // The address the local server binds and prints, so a browser sent back by Strava's OAuth
  // lands on the same host it started on (Strava accepts 127.0.0.1 as a callback domain).
  const publicUrl = e.PUBLIC_URL ?? `http://127.0.0.1:${e.PORT}`;
  return {
    mode,
    dataDir,
    database: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL }
      : { kind: 'pglite', dataDir: path.join(dataDir, 'pgdata') },
    strava: {
      clientId: e.STRAVA_CLIENT_ID,
      clientSecret: e.STRAVA_CLIENT_SECRET,
      apiUrl: e.STRAVA_API_URL,
      oauthUrl: e.STRAVA_OAUTH_URL,
      sportTypes: e.STRAVA_SPORT_TYPES,
      webhookVerifyToken: e.STRAVA_WEBHOOK_VERIFY_TOKEN,
      athleteLimit: e.STRAVA_ATHLETE_LIMIT,
    },
    weather: {
      provider: e.WEATHER_PROVIDER,
      placeProvider: e.PLACE_PROVIDER,
      openWeatherApiKey: e.OPENWEATHER_API_KEY,
      openWeatherApiUrl: e.OPENWEATHER_API_URL,
      openMeteoApiKey: e.OPEN_METEO_API_KEY,
      // A key is for Open-Meteo's commercial plan, served from its customer-* hosts.
      openMeteoArchiveUrl:
        e.OPEN_METEO_ARCHIVE_URL ??
        (e.OPEN_METEO_API_KEY ? OPEN_METEO_CUSTOMER_ARCHIVE_URL : OPEN_METEO_FREE_ARCHIVE_URL),
      nominatimUrl: e.NOMINATIM_URL,
      limits: {
        openWeatherMap: {
          oneCallPerDay: e.OPENWEATHER_ONECALL_DAILY_LIMIT,
          perMinute: e.OPENWEATHER_PER_MINUTE_LIMIT,
        },
        openMeteo: {
          weightedPerDay: e.OPEN_METEO_DAILY_LIMIT,
          weightedPerMinute: e.OPEN_METEO_PER_MINUTE_LIMIT,
        },
      },
    },
    purgeOnDeauthorize: e.PURGE_ON_DEAUTHORIZE,
    tokenEncryptionKeys: e.TOKEN_ENCRYPTION_KEY,
    supabase: { url: e.SUPABASE_URL, jwtSecret: e.SUPABASE_JWT_SECRET },
    publicUrl,
    corsOrigins: [...new Set([new URL(publicUrl).origin, ...(e.CORS_ORIGINS ?? [])])],
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    worker: {
      concurrency: e.SYNC_WORKER_CONCURRENCY,
      jobDeadlineMs: e.SYNC_JOB_DEADLINE_S * 1000,
      leaseTtlMs: e.SYNC_LEASE_TTL_S * 1000,
      reapIntervalMs: e.SYNC_REAP_INTERVAL_S * 1000,
      pollingIntervalS: e.SYNC_POLL_INTERVAL_S,
      stopTimeoutMs: e.SYNC_STOP_TIMEOUT_S * 1000,
      schedules: {
        incremental: e.SYNC_INCREMENTAL_CRON,
        reconcile: e.SYNC_RECONCILE_CRON,
        weatherBackfill: e.WEATHER_BACKFILL_CRON,
      },
    },
    metricsToken: e.METRICS_TOKEN,
    alertWebhookUrl: e.ALERT_WEBHOOK_URL,
  };
}

function crossFieldIssues(e: z.infer<typeof envSchema>): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (e.STRAVA_CLIENT_ID && !e.STRAVA_CLIENT_SECRET) {
    issues.push({
      path: 'STRAVA_CLIENT_SECRET',
      message: 'STRAVA_CLIENT_SECRET is required when STRAVA_CLIENT_ID is set',
    });
  }
  if (e.STRAVA_CLIENT_SECRET && !e.STRAVA_CLIENT_ID) {
    issues.push({
      path: 'STRAVA_CLIENT_ID',
      message: 'STRAVA_CLIENT_ID is required when STRAVA_CLIENT_SECRET is set',
    });
  }
  if (e.STRAVA_CLIENT_ID && !e.TOKEN_ENCRYPTION_KEY) {
    issues.push({
      path: 'TOKEN_ENCRYPTION_KEY',
      message:
        'TOKEN_ENCRYPTION_KEY is required with real Strava credentials, so stored tokens survive ' +
        'a restart on any machine (generate one with `openssl rand -base64 32`)',
    });
  }
  // With Supabase Auth signing users in, a local sign-in (tokens this install signs for a demo
  // user, with no issuer) would be refused by the issuer check and mix two kinds of user.
  if (e.SUPABASE_URL && !e.SUPABASE_JWT_SECRET) {
    issues.push({
      path: 'SUPABASE_JWT_SECRET',
      message:
        'SUPABASE_JWT_SECRET is required with SUPABASE_URL (Supabase: Project Settings → API → ' +
        'JWT secret); without SUPABASE_URL the install signs in its own demo user',
    });
  }
  if (e.WEATHER_PROVIDER === 'openweathermap' && !e.OPENWEATHER_API_KEY) {
    issues.push({
      path: 'OPENWEATHER_API_KEY',
      message: 'OPENWEATHER_API_KEY is required when WEATHER_PROVIDER=openweathermap',
    });
  }
  if (e.PLACE_PROVIDER === 'openweathermap' && !e.OPENWEATHER_API_KEY) {
    issues.push({
      path: 'OPENWEATHER_API_KEY',
      message: 'OPENWEATHER_API_KEY is required when PLACE_PROVIDER=openweathermap',
    });
  }
  return issues;
}

/** The hint of an invalid configuration: which variables to fix, and where they are listed. */
export function invalidConfigHint(issues: readonly FieldIssue[]): string {
  const names = [...new Set(issues.map((issue) => issue.path))].join(', ');
  return `Fix ${names} in the environment and start again; README.md lists every variable.`;
}

function invalidConfig(issues: FieldIssue[]): ConfigError {
  return new ConfigError({
    code: 'invalid_configuration',
    userMessage: `Invalid configuration: ${issues.map((issue) => issue.message).join('; ')}`,
    hint: invalidConfigHint(issues),
  });
}
