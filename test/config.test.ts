import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig } from '../src/config/config.ts';
import { ConfigError } from '../src/core/errors.ts';

const KEY = Buffer.alloc(32, 7).toString('base64');
const live = {
  STRAVA_CLIENT_ID: '12345',
  STRAVA_CLIENT_SECRET: 'secret',
  TOKEN_ENCRYPTION_KEY: KEY,
};

function failure(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env, '/srv/app');
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('gives the embedded demo defaults for an empty environment', () => {
    expect(loadConfig({}, '/srv/app')).toEqual({
      mode: 'demo',
      dataDir: '/srv/app/.stridesync',
      database: { kind: 'pglite', dataDir: '/srv/app/.stridesync/pgdata' },
      strava: {
        clientId: undefined,
        clientSecret: undefined,
        apiUrl: 'https://www.strava.com/api/v3',
        oauthUrl: 'https://www.strava.com/oauth',
        sportTypes: ['Run', 'TrailRun', 'VirtualRun'],
        webhookVerifyToken: undefined,
      },
      weather: {
        provider: 'auto',
        placeProvider: 'auto',
        openWeatherApiKey: undefined,
        openWeatherApiUrl: 'https://api.openweathermap.org',
        openMeteoApiKey: undefined,
        openMeteoArchiveUrl: 'https://archive-api.open-meteo.com/v1/archive',
        nominatimUrl: 'https://nominatim.openstreetmap.org',
        // The free tiers.
        limits: {
          openWeatherMap: { oneCallPerDay: 1000, perMinute: 60 },
          openMeteo: { weightedPerDay: 5000, weightedPerMinute: 600 },
        },
      },
      purgeOnDeauthorize: true,
      tokenEncryptionKeys: undefined,
      supabase: { url: undefined, jwtSecret: undefined },
      publicUrl: 'http://127.0.0.1:8787',
      corsOrigins: ['http://127.0.0.1:8787'],
      port: 8787,
      logLevel: 'info',
      worker: {
        concurrency: 1,
        jobDeadlineMs: 60_000,
        leaseTtlMs: 60_000,
        reapIntervalMs: 60_000,
        pollingIntervalS: 2,
        stopTimeoutMs: 25_000,
        schedules: {
          incremental: '0 * * * *',
          reconcile: '30 3 * * *',
          weatherBackfill: '20 * * * *',
        },
      },
      metricsToken: undefined,
    });
  });

  it('reads the Strava athlete limit, unset by default', () => {
    expect(loadConfig({}).strava.athleteLimit).toBeUndefined();
    expect(loadConfig({ STRAVA_ATHLETE_LIMIT: '999' }).strava.athleteLimit).toBe(999);
  });

  it('reads the worker settings, with off for a schedule', () => {
    const config = loadConfig({
      SYNC_WORKER_CONCURRENCY: '4',
      SYNC_JOB_DEADLINE_S: '840',
      SYNC_LEASE_TTL_S: '2.5',
      SYNC_REAP_INTERVAL_S: '1',
      SYNC_POLL_INTERVAL_S: '0.5',
      SYNC_STOP_TIMEOUT_S: '0',
      SYNC_INCREMENTAL_CRON: '*/15 6-22 * * mon-fri',
      SYNC_RECONCILE_CRON: 'off',
      WEATHER_BACKFILL_CRON: '5 */2 * * *',
      METRICS_TOKEN: 'scrape-token-0123456789',
    });
    expect(config.worker).toEqual({
      concurrency: 4,
      jobDeadlineMs: 840_000,
      leaseTtlMs: 2_500,
      reapIntervalMs: 1_000,
      pollingIntervalS: 0.5,
      stopTimeoutMs: 0,
      schedules: {
        incremental: '*/15 6-22 * * mon-fri',
        reconcile: null,
        weatherBackfill: '5 */2 * * *',
      },
    });
    expect(config.metricsToken).toBe('scrape-token-0123456789');
  });

  it('switches to live mode and Postgres when credentials and DATABASE_URL are set', () => {
    const config = loadConfig(
      {
        ...live,
        DATABASE_URL: 'postgresql://u:p@db.example.com:6543/postgres',
        STRAVA_API_URL: 'http://127.0.0.1:9000/strava/api/v3/',
        PORT: '3000',
        PUBLIC_URL: 'https://runs.example.com',
        STRIDESYNC_DATA_DIR: '/var/lib/stridesync',
      },
      '/srv/app',
    );
    expect(config.mode).toBe('live');
    expect(config.database).toEqual({
      kind: 'postgres',
      url: 'postgresql://u:p@db.example.com:6543/postgres',
    });
    expect(config.strava).toMatchObject({
      clientId: '12345',
      apiUrl: 'http://127.0.0.1:9000/strava/api/v3',
    });
    expect(config.port).toBe(3000);
    expect(config.publicUrl).toBe('https://runs.example.com');
    expect(config.dataDir).toBe('/var/lib/stridesync');
    expect(config.tokenEncryptionKeys).toEqual([{ version: 1, key: Buffer.alloc(32, 7) }]);
  });

  it('allows PUBLIC_URL’s origin and the listed ones for CORS', () => {
    expect(
      loadConfig({
        PUBLIC_URL: 'https://runs.example.com/app',
        CORS_ORIGINS: 'https://dash.example.com, http://localhost:5173',
      }).corsOrigins,
    ).toEqual(['https://runs.example.com', 'https://dash.example.com', 'http://localhost:5173']);
  });

  it('reads the sport types kept as runs', () => {
    expect(loadConfig({ STRAVA_SPORT_TYPES: 'Run, TrailRun' }).strava.sportTypes).toEqual([
      'Run',
      'TrailRun',
    ]);
  });

  it('treats empty and blank variables as unset', () => {
    expect(
      loadConfig({ DATABASE_URL: '', PORT: '  ', STRAVA_CLIENT_ID: '' }, '/x').database.kind,
    ).toBe('pglite');
  });

  it('reads a versioned key list, newest first', () => {
    const other = Buffer.alloc(32, 9).toString('base64');
    const config = loadConfig({ TOKEN_ENCRYPTION_KEY: `2:${other},1:${KEY}` });
    expect(config.tokenEncryptionKeys?.map((k) => k.version)).toEqual([2, 1]);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://localhost/db' }, 'DATABASE_URL'],
    [{ STRAVA_API_URL: 'not a url' }, 'STRAVA_API_URL'],
    [{ STRAVA_OAUTH_URL: 'ftp://example.com' }, 'STRAVA_OAUTH_URL'],
    [{ OPENWEATHER_API_URL: 'example.com' }, 'OPENWEATHER_API_URL'],
    [{ OPEN_METEO_ARCHIVE_URL: '::' }, 'OPEN_METEO_ARCHIVE_URL'],
    [{ WEATHER_PROVIDER: 'darksky' }, 'WEATHER_PROVIDER'],
    [{ PLACE_PROVIDER: 'google' }, 'PLACE_PROVIDER'],
    [{ STRAVA_SPORT_TYPES: 'Run;Ride' }, 'STRAVA_SPORT_TYPES'],
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL'],
    [{ PURGE_ON_DEAUTHORIZE: 'yes' }, 'PURGE_ON_DEAUTHORIZE'],
    [{ SUPABASE_JWT_SECRET: 'short' }, 'SUPABASE_JWT_SECRET'],
    [{ SUPABASE_URL: 'supabase' }, 'SUPABASE_URL'],
    [{ PUBLIC_URL: 'localhost:8787' }, 'PUBLIC_URL'],
    [{ CORS_ORIGINS: 'https://ok.example, not an origin' }, 'CORS_ORIGINS'],
    [{ CORS_ORIGINS: 'https://app.example/path' }, 'CORS_ORIGINS'],
    [{ TOKEN_ENCRYPTION_KEY: 'c2hvcnQ=' }, 'TOKEN_ENCRYPTION_KEY'],
    [{ TOKEN_ENCRYPTION_KEY: `1:${KEY},1:${KEY}` }, 'TOKEN_ENCRYPTION_KEY'],
    [
      { STRAVA_CLIENT_ID: 'abc', STRAVA_CLIENT_SECRET: 's', TOKEN_ENCRYPTION_KEY: KEY },
      'STRAVA_CLIENT_ID',
    ],
    [{ STRAVA_CLIENT_ID: '12345', TOKEN_ENCRYPTION_KEY: KEY }, 'STRAVA_CLIENT_SECRET'],
    [{ STRAVA_CLIENT_SECRET: 'secret' }, 'STRAVA_CLIENT_ID'],
    [{ STRAVA_CLIENT_ID: '12345', STRAVA_CLIENT_SECRET: 'secret' }, 'TOKEN_ENCRYPTION_KEY'],
    [{ WEATHER_PROVIDER: 'openweathermap' }, 'OPENWEATHER_API_KEY'],
    [{ PLACE_PROVIDER: 'openweathermap' }, 'OPENWEATHER_API_KEY'],
    [{ SUPABASE_URL: 'https://abc.supabase.co' }, 'SUPABASE_JWT_SECRET'],
    [{ SYNC_WORKER_CONCURRENCY: '1.5' }, 'SYNC_WORKER_CONCURRENCY'],
    [{ SYNC_WORKER_CONCURRENCY: '0' }, 'SYNC_WORKER_CONCURRENCY'],
    [{ SYNC_JOB_DEADLINE_S: '3600' }, 'SYNC_JOB_DEADLINE_S'],
    [{ SYNC_LEASE_TTL_S: 'soon' }, 'SYNC_LEASE_TTL_S'],
    [{ SYNC_REAP_INTERVAL_S: '0' }, 'SYNC_REAP_INTERVAL_S'],
    [{ SYNC_POLL_INTERVAL_S: '0.1' }, 'SYNC_POLL_INTERVAL_S'],
    [{ SYNC_STOP_TIMEOUT_S: '-1' }, 'SYNC_STOP_TIMEOUT_S'],
    [{ SYNC_INCREMENTAL_CRON: '@hourly' }, 'SYNC_INCREMENTAL_CRON'],
    [{ SYNC_RECONCILE_CRON: '61 * * * *' }, 'SYNC_RECONCILE_CRON'],
    [{ WEATHER_BACKFILL_CRON: '0 0 * * * *' }, 'WEATHER_BACKFILL_CRON'],
    [{ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN'],
    [{ STRAVA_ATHLETE_LIMIT: '0' }, 'STRAVA_ATHLETE_LIMIT'],
    [{ STRAVA_ATHLETE_LIMIT: 'many' }, 'STRAVA_ATHLETE_LIMIT'],
  ])('refuses %o with a message naming %s', (env, name) => {
    const error = failure(env);
    expect(error.code).toBe('invalid_configuration');
    expect(error.userMessage).toContain(name);
    expect(error.hint).toContain(name);
  });

  it('names every bad variable at once', () => {
    const error = failure({ PORT: 'x', LOG_LEVEL: 'loud' });
    expect(error.userMessage).toMatch(/PORT.*LOG_LEVEL|LOG_LEVEL.*PORT/);
  });

  it('never echoes a secret it refuses', () => {
    const error = failure({
      SUPABASE_JWT_SECRET: 'tooshort-secret-value',
      METRICS_TOKEN: 'tiny-token',
    });
    expect(error.userMessage).toContain('SUPABASE_JWT_SECRET');
    expect(error.userMessage).not.toContain('tooshort-secret-value');
    expect(error.userMessage).toContain('METRICS_TOKEN');
    expect(error.userMessage).not.toContain('tiny-token');
  });

  it('reads a paid plan’s limits, and moves Open-Meteo to its customer host with a key', () => {
    const { weather } = loadConfig(
      {
        OPENWEATHER_ONECALL_DAILY_LIMIT: '20000',
        OPENWEATHER_PER_MINUTE_LIMIT: '600',
        OPEN_METEO_API_KEY: 'om-key',
        OPEN_METEO_DAILY_LIMIT: '1000000',
        OPEN_METEO_PER_MINUTE_LIMIT: '3000',
      },
      '/srv/app',
    );
    expect(weather.limits).toEqual({
      openWeatherMap: { oneCallPerDay: 20_000, perMinute: 600 },
      openMeteo: { weightedPerDay: 1_000_000, weightedPerMinute: 3000 },
    });
    expect(weather.openMeteoApiKey).toBe('om-key');
    expect(weather.openMeteoArchiveUrl).toBe(
      'https://customer-archive-api.open-meteo.com/v1/archive',
    );
    // An address the operator set wins, key or not.
    expect(
      loadConfig(
        { OPEN_METEO_API_KEY: 'om-key', OPEN_METEO_ARCHIVE_URL: 'https://om.example.test/v1/x' },
        '/srv/app',
      ).weather.openMeteoArchiveUrl,
    ).toBe('https://om.example.test/v1/x');
  });

  it('refuses a limit that is not a whole number of calls', () => {
    const error = failure({
      OPENWEATHER_ONECALL_DAILY_LIMIT: '0',
      OPENWEATHER_PER_MINUTE_LIMIT: '1.5',
      OPEN_METEO_DAILY_LIMIT: 'lots',
      OPEN_METEO_PER_MINUTE_LIMIT: '-600',
      OPEN_METEO_API_KEY: '',
      PORT: 'x',
    });
    for (const name of [
      'OPENWEATHER_ONECALL_DAILY_LIMIT',
      'OPENWEATHER_PER_MINUTE_LIMIT',
      'OPEN_METEO_DAILY_LIMIT',
      'OPEN_METEO_PER_MINUTE_LIMIT',
    ]) {
      expect(error.userMessage).toContain(name);
    }
    expect(error.userMessage).toContain('must be a whole number of calls');
    expect(failure({ OPEN_METEO_PER_MINUTE_LIMIT: 'secret-ish' }).userMessage).toContain(
      'OPEN_METEO_PER_MINUTE_LIMIT',
    );
  });

  it('says what is wrong with a cron expression', () => {
    expect(failure({ SYNC_RECONCILE_CRON: '30 25 * * *' }).userMessage).toContain(
      "the hour field '25' has 25, outside 0-23",
    );
  });
});

describe('loadConfig with a password in DATABASE_URL', () => {
  it('does not echo the connection string', () => {
    const error = failure({ DATABASE_URL: 'mysql://user:hunter2@db/x' });
    expect(error.userMessage).toContain('DATABASE_URL');
    expect(error.userMessage).not.toContain('hunter2');
  });
});

describe('README.md configuration table', () => {
  it('lists exactly the variables src/config/config.ts reads', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const table = readme.slice(
      readme.indexOf('## Configuration'),
      readme.indexOf('## ', readme.indexOf('## Configuration') + 3),
    );
    const documented = [...table.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...CONFIG_VARIABLES].sort());
  });
});
