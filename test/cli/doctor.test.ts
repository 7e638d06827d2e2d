import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulators, type Simulators } from '../../sim/index.ts';
import { systemClock } from '../../src/core/clock.ts';
import { createApp } from '../../src/http/app.ts';
import { createJwtVerifier } from '../../src/http/jwt.ts';
import { type RunningServer, startServer } from '../../src/http/node-server.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { type JobQueue, openJobQueue } from '../../src/queue/job-queue.ts';
import { loadMigrationFiles, migrateDown } from '../../src/store/migrations.ts';
import { pushSubscriptionStore } from '../../src/store/push-subscription-store.ts';
import { createPushSubscriptionsApi } from '../../src/strava/push-subscriptions.ts';
import { JWT_SECRET } from '../http/test-app.ts';
import { type CliProcess, freePort, runCli } from '../support/cli-process.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';

const VERIFY_TOKEN = 'doctor-verify-token';

/** The line of one check in doctor's output, and the lines under it up to the next check. */
function section(out: string, check: string): string {
  const lines = out.split('\n');
  const at = lines.findIndex((l) => new RegExp(`^\\S+\\s+${check}\\s`).test(l));
  if (at < 0) return '';
  const end = lines.findIndex((l, i) => i > at && !l.startsWith(' '));
  return lines.slice(at, end < 0 ? undefined : end).join('\n');
}

/**
 * `stridesync doctor` as a real process, configured with real credentials for the simulators
 * (Strava, OpenWeatherMap, Open-Meteo, Nominatim served over HTTP, as `stridesync sim` serves
 * them) and a real Postgres database, with the API served where Strava's push subscription
 * calls back.
 */
describe('stridesync doctor', { timeout: 120_000 }, () => {
  let t: TestDatabase;
  let sims: Simulators;
  let simServer: RunningServer;
  let api: RunningServer;
  let queue: JobQueue;
  let env: Record<string, string>;

  beforeAll(async () => {
    t = await createTestDatabase('postgres');
    // Each doctor run spends one Nominatim lookup, and they follow each other closely: the
    // one-a-second policy is lifted here, and put back by the test of its refusal.
    sims = createSimulators({
      athletes: [{ seed: 'doctor', activityCount: 5, years: 1 }],
      nominatimMinIntervalMs: 0,
    });
    simServer = await startServer(sims.app, { port: 0 });
    queue = await openJobQueue(t.db, { logger: createLogger('silent'), work: false });
    api = await startServer(
      createApp({
        db: t.db,
        clock: systemClock,
        logger: createLogger('silent'),
        auth: createJwtVerifier({ secret: JWT_SECRET }),
        queue,
        webhookVerifyToken: VERIFY_TOKEN,
      }),
      { port: 0 },
    );
    const urls = sims.urls(simServer.url);
    env = {
      DATABASE_URL: t.url as string,
      LOG_LEVEL: 'silent',
      STRAVA_CLIENT_ID: sims.stravaApp.clientId,
      STRAVA_CLIENT_SECRET: sims.stravaApp.clientSecret,
      STRAVA_API_URL: urls.stravaApiUrl,
      STRAVA_OAUTH_URL: urls.stravaOauthUrl,
      STRAVA_WEBHOOK_VERIFY_TOKEN: VERIFY_TOKEN,
      TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
      OPENWEATHER_API_KEY: sims.openWeatherKey,
      OPENWEATHER_API_URL: urls.openWeatherApiUrl,
      OPEN_METEO_ARCHIVE_URL: urls.openMeteoArchiveUrl,
      NOMINATIM_URL: urls.nominatimUrl,
      PLACE_PROVIDER: 'nominatim',
      PUBLIC_URL: api.url,
    };
  });
  afterAll(async () => {
    await sims?.close();
    await simServer?.close();
    await api?.close();
    await queue?.stop({ timeoutMs: 0 });
    await t?.dispose();
  });

  async function doctor(extra: Record<string, string> = {}) {
    const p = runCli(['doctor'], { ...env, ...extra });
    const code = await p.exited;
    return { code, out: p.stdout(), err: p.stderr() };
  }

  it('warns, and still exits 0, when no webhook subscription exists', async () => {
    const { code, out, err } = await doctor();
    expect(section(out, 'webhook')).toContain(
      'warning  webhook         no push subscription: new runs arrive only with the scheduled syncs',
    );
    expect(section(out, 'webhook')).toContain(
      `fix: stridesync strava subscribe --callback-url ${api.url}/api/strava/webhook`,
    );
    expect(out).toContain('0 failed, 1 warning(s), 7 passed.');
    expect({ code, err }).toEqual({ code: 0, err: '' });
  });

  it('passes every check on a good setup, the subscription included', async () => {
    const callbackUrl = `${api.url}/api/strava/webhook`;
    const created = await createPushSubscriptionsApi({
      apiUrl: env.STRAVA_API_URL as string,
      clientId: sims.stravaApp.clientId,
      clientSecret: sims.stravaApp.clientSecret,
    }).create(callbackUrl, VERIFY_TOKEN);
    await pushSubscriptionStore.save(t.db, created);

    const { code, out, err } = await doctor();
    for (const check of [
      'config',
      'database',
      'migrations',
      'strava',
      'openweathermap',
      'open-meteo',
      'nominatim',
      'webhook',
    ])
      expect(section(out, check), out).toMatch(/^passed /);
    expect(section(out, 'config')).toContain(`live mode: Strava client ${sims.stravaApp.clientId}`);
    expect(section(out, 'database')).toMatch(
      /Postgres at 127\.0\.0\.1:\d+\/stridesync_test_\w+ answers/,
    );
    expect(section(out, 'strava')).toContain('client 12345 and its secret accepted');
    expect(section(out, 'openweathermap')).toContain('subscribed to One Call 3.0');
    expect(section(out, 'webhook')).toContain(
      `subscription ${created.id} calls back ${callbackUrl}, and is the one stored`,
    );
    expect(out).toContain('All 8 checks passed.');
    expect({ code, err }).toEqual({ code: 0, err: '' });
  });

  it('warns, and does not fail, when Nominatim refuses the lookup for its pace (429)', async () => {
    sims.nominatim.setMinIntervalMs(60_000);
    try {
      await doctor();
      const { code, out } = await doctor();
      expect(section(out, 'nominatim')).toContain(
        'warning  nominatim       Nominatim answered 429: its limit is spent for now',
      );
      expect(section(out, 'nominatim')).toContain(
        'fix: Nothing to fix unless it lasts: lookups are paced to one a second.',
      );
      expect(out).toContain('0 failed, 1 warning(s), 7 passed.');
      expect(code).toBe(0);
    } finally {
      sims.nominatim.setMinIntervalMs(0);
    }
  });

  it('fails a subscription calling back elsewhere than PUBLIC_URL, or not the one stored', async () => {
    const elsewhere = await doctor({ PUBLIC_URL: 'https://elsewhere.example.org' });
    expect(section(elsewhere.out, 'webhook')).toMatch(
      new RegExp(
        `^FAILED {3}webhook {9}Strava's subscription \\d+ calls back ${api.url}/api/strava/webhook, not https://elsewhere\\.example\\.org/api/strava/webhook \\(PUBLIC_URL\\)`,
      ),
    );
    expect(section(elsewhere.out, 'webhook')).toContain(
      'fix: Set PUBLIC_URL to the site Strava calls back',
    );
    expect(elsewhere.code).toBe(1);

    const stored = await pushSubscriptionStore.load(t.db);
    await pushSubscriptionStore.remove(t.db);
    try {
      const unstored = await doctor();
      expect(section(unstored.out, 'webhook')).toContain(
        `is not the one stored (none): the webhook drops its events`,
      );
      expect(section(unstored.out, 'webhook')).toContain(
        'fix: stridesync strava unsubscribe, then',
      );
      expect(unstored.code).toBe(1);
    } finally {
      if (stored) await pushSubscriptionStore.save(t.db, stored);
    }
  });

  it('names a wrong OPEN_METEO_ARCHIVE_URL path as FAILED, with the fix', async () => {
    const wrong = env.OPEN_METEO_ARCHIVE_URL?.replace('/v1/archive', '/v1/archiv') as string;
    const { code, out } = await doctor({ OPEN_METEO_ARCHIVE_URL: wrong });
    expect(section(out, 'open-meteo')).toContain(
      'FAILED   open-meteo      Open-Meteo answered "not found": the configured address does not serve its archive.',
    );
    expect(section(out, 'open-meteo')).toContain(
      'fix: The operator must check OPEN_METEO_ARCHIVE_URL',
    );
    expect(section(out, 'strava')).toMatch(/^passed /);
    expect(out).toContain('1 failed, 0 warning(s), 7 passed.');
    expect(code).toBe(1);
  });

  it('fails an OpenWeatherMap key the API refuses (401), and a wrong Strava secret', async () => {
    const { code, out } = await doctor({
      OPENWEATHER_API_KEY: 'not-a-key-anyone-issued',
      STRAVA_CLIENT_SECRET: 'not-the-secret',
    });
    expect(section(out, 'openweathermap')).toContain(
      'FAILED   openweathermap  OpenWeatherMap refused the configured API key (OPENWEATHER_API_KEY). (HTTP 401:',
    );
    expect(section(out, 'openweathermap')).toContain(
      'fix: Check the key at home.openweathermap.org',
    );
    expect(section(out, 'strava')).toContain(
      "FAILED   strava          Strava refused the application's client id or secret (400: Application client_id invalid)",
    );
    expect(section(out, 'strava')).toContain(
      'fix: Check STRAVA_CLIENT_ID and STRAVA_CLIENT_SECRET',
    );
    expect(code).toBe(1);
  });

  it('names wrong Strava addresses: the token endpoint and the API', async () => {
    const { code, out } = await doctor({
      STRAVA_OAUTH_URL: `${env.STRAVA_OAUTH_URL}/nowhere`,
      STRAVA_API_URL: `${env.STRAVA_API_URL}/nowhere`,
    });
    expect(section(out, 'strava')).toContain(
      `FAILED   strava          ${env.STRAVA_OAUTH_URL}/nowhere/token answered 404: no Strava token endpoint there`,
    );
    expect(section(out, 'strava')).toContain('fix: Check STRAVA_OAUTH_URL');
    expect(section(out, 'webhook')).toContain(
      'FAILED   webhook         Strava did not answer the push subscription request. (GET /push_subscriptions: status 404',
    );
    expect(section(out, 'webhook')).toContain('fix: Check STRAVA_API_URL');
    expect(code).toBe(1);
  });

  it('lists a pending migration', async () => {
    const behind = await createTestDatabase('postgres');
    try {
      const versions = (await loadMigrationFiles()).map((f) => f.version);
      const [previous, newest] = versions.slice(-2) as [string, string];
      await migrateDown(behind.db, previous, { allowDataLoss: true });
      const { code, out } = await doctor({ DATABASE_URL: behind.url as string });
      const migrations = section(out, 'migrations');
      expect(migrations).toContain('FAILED   migrations      1 migration(s) pending:');
      expect(migrations).toContain(`\n${' '.repeat(25)}${newest}\n`);
      expect(migrations).toContain("fix: Run 'stridesync migrate'");
      expect(code).toBe(1);
    } finally {
      await behind.dispose();
    }
  });

  it('names an unreachable database with its variable, and skips what needs it', async () => {
    const url = `postgres://postgres@127.0.0.1:${await freePort()}/nowhere`;
    const { code, out, err } = await doctor({ DATABASE_URL: url });
    expect(section(out, 'database')).toMatch(
      /^FAILED {3}database {8}DATABASE_URL: nothing is listening at 127\.0\.0\.1:\d+\./,
    );
    expect(section(out, 'database')).toContain('fix: Start Postgres, or unset DATABASE_URL');
    expect(section(out, 'migrations')).toContain(
      'SKIPPED  migrations      not checked: the database does not answer',
    );
    expect(section(out, 'strava')).toMatch(/^passed /);
    expect(out + err).not.toMatch(/\n\s+at /);
    expect(code).toBe(1);
  });

  it('lists every configuration problem with its variable and runs nothing else', async () => {
    const { code, out } = await doctor({ STRAVA_CLIENT_ID: 'abc', PORT: '70000' });
    const config = section(out, 'config');
    expect(config).toContain('FAILED   config  2 problem(s) in the environment:');
    expect(config).toContain("STRAVA_CLIENT_ID must be the numeric client id (got 'abc')");
    expect(config).toContain("PORT must be an integer between 1 and 65535 (got '70000')");
    expect(config).toContain('fix: Fix STRAVA_CLIENT_ID, PORT in the environment');
    expect(out).toContain('The other checks were not run: they need a valid configuration.');
    expect(section(out, 'database')).toBe('');
    expect(code).toBe(1);
  });
});

/**
 * In demo mode (no credentials) the simulators live inside `stridesync start`: before it runs,
 * doctor says so as warnings; beside it, it goes through the server that holds the embedded
 * database and checks the simulators it serves.
 */
describe('stridesync doctor in demo mode', () => {
  let workDir: string;
  let server: CliProcess | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    workDir = mkdtempSync(path.join(tmpdir(), 'stridesync-doctor-'));
    env = { PORT: String(await freePort()), LOG_LEVEL: 'warn' };
  });
  afterAll(() => {
    server?.child.kill('SIGKILL');
    rmSync(workDir, { recursive: true, force: true });
  });

  async function doctor() {
    const p = runCli(['doctor'], env, workDir);
    const code = await p.exited;
    return { code, out: p.stdout(), err: p.stderr() };
  }

  it('warns that the simulators and the database wait for stridesync start', {
    timeout: 60_000,
  }, async () => {
    const { code, out, err } = await doctor();
    expect(out).toContain('(demo mode)');
    expect(section(out, 'database')).toContain('warning  database    the embedded database in');
    expect(section(out, 'database')).toContain("fix: 'stridesync start' (npm start) creates");
    expect(section(out, 'migrations')).toMatch(/^SKIPPED {2}migrations {2}not checked/);
    expect(section(out, 'strava')).toContain(
      `warning  strava      demo mode: the simulator at http://127.0.0.1:${env.PORT}/sim/strava/oauth/token does not answer (ECONNREFUSED)`,
    );
    expect(section(out, 'open-meteo')).toMatch(/^warning /);
    expect(section(out, 'places')).toMatch(
      /^passed {3}places {6}\d+ places loaded; 52\.52,13\.405 is in /,
    );
    expect(out).toMatch(/0 failed, 3 warning\(s\), 2 passed, 2 skipped\./);
    expect({ code, err }).toEqual({ code: 0, err: '' });
  });

  it('passes beside a running stridesync start, through the server holding the database', {
    timeout: 180_000,
  }, async () => {
    server = runCli(['start'], env, workDir);
    await server.waitForOutput(/Health: http:\/\/\S+\/api\/health/, 120_000);
    const { code, out, err } = await doctor();
    for (const check of ['config', 'database', 'migrations', 'strava', 'open-meteo', 'places'])
      expect(section(out, check), out).toMatch(/^passed /);
    expect(section(out, 'database')).toMatch(
      /the embedded database is held by stridesync process \d+ \(http:\/\/127\.0\.0\.1:\d+\): it answers, through the server/,
    );
    expect(section(out, 'strava')).toContain(
      `client 12345 and its secret accepted (POST http://127.0.0.1:${env.PORT}/sim/strava/oauth/token)`,
    );
    expect(section(out, 'webhook')).toContain('SKIPPED  webhook     demo mode');
    expect(out).toContain('All 6 checks passed (1 skipped).');
    expect({ code, err }).toEqual({ code: 0, err: '' });
  });
});
