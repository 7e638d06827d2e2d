import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulators, type Simulators } from '../../sim/index.ts';
import { signAccessToken } from '../../src/http/jwt.ts';
import { QUEUE_SCHEMA, QUEUES } from '../../src/queue/job-queue.ts';
import { createConnectionStore } from '../../src/strava/connection-store.ts';
import { createTokenCipher } from '../../src/strava/token-crypto.ts';
import { startServer, type TestServer } from '../sim/strava-helpers.ts';
import { type CliProcess, freePort, runCli } from '../support/cli-process.ts';
import { createPostgresTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';

interface LogLine {
  msg: string;
  correlationId?: string;
  sessionId?: string;
  userId?: string;
  path?: string;
  [key: string]: unknown;
}

/**
 * One correlation id, sent on the request that starts a sync, found on the queued job, the
 * session, every line the server and its worker log about that sync, every timeline event, and
 * the error the runner sees; and nothing the run was given or issued (client secret, token key,
 * JWT secret, weather key, Strava's tokens, the OAuth code) in any line it logged. A real
 * `stridesync start` process, on Postgres, against the simulators over HTTP, logging at debug.
 */
describe('the correlation id of a sync, end to end', { timeout: 240_000 }, () => {
  let t: TestDatabase;
  let sims: Simulators;
  let sim: TestServer;
  let dataDir: string;
  let server: CliProcess;
  let url: string;
  const key = randomBytes(32);
  const jwtSecret = randomBytes(32).toString('base64url');
  const verifyToken = randomBytes(16).toString('hex');
  const metricsToken = randomBytes(16).toString('hex');
  const store = createConnectionStore(createTokenCipher([{ version: 1, key }]));
  const issued: string[] = [];

  beforeAll(async () => {
    t = await createPostgresTestDatabase();
    sims = createSimulators({
      athletes: [
        { seed: 'correlation-a', activityCount: 12, years: 1 },
        { seed: 'correlation-b', activityCount: 5, years: 1 },
      ],
      nominatimMinIntervalMs: 0,
    });
    sim = await startServer(sims.app);
    const urls = sims.urls(sim.url);
    dataDir = mkdtempSync(path.join(tmpdir(), 'stridesync-correlation-'));
    const port = await freePort();
    server = runCli(['start'], {
      DATABASE_URL: t.url as string,
      STRIDESYNC_DATA_DIR: dataDir,
      PORT: String(port),
      STRAVA_CLIENT_ID: sims.stravaApp.clientId,
      STRAVA_CLIENT_SECRET: sims.stravaApp.clientSecret,
      STRAVA_API_URL: urls.stravaApiUrl,
      STRAVA_OAUTH_URL: urls.stravaOauthUrl,
      STRAVA_WEBHOOK_VERIFY_TOKEN: verifyToken,
      TOKEN_ENCRYPTION_KEY: key.toString('base64'),
      SUPABASE_JWT_SECRET: jwtSecret,
      METRICS_TOKEN: metricsToken,
      WEATHER_PROVIDER: 'openweathermap',
      OPENWEATHER_API_KEY: sims.openWeatherKey,
      OPENWEATHER_API_URL: urls.openWeatherApiUrl,
      NOMINATIM_URL: urls.nominatimUrl,
      SYNC_POLL_INTERVAL_S: '1',
      LOG_LEVEL: 'debug',
    });
    [, url] = (await server.waitForOutput(/API:\s+(http:\/\/\S+)\/api/, 120_000)) as string[] as [
      string,
      string,
    ];
  });
  afterAll(async () => {
    server?.child.kill('SIGKILL');
    await server?.exited;
    await sims?.close();
    await sim?.close();
    await t?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A user connected to the simulator's `n`th athlete, with the tokens Strava issued. */
  async function connectedUser(n: number): Promise<{ userId: string; athleteId: number }> {
    const userId = await insertUser(t.db);
    const athleteId = [...sims.strava.athletes.keys()][n] as number;
    const tokens = sims.strava.issueTokens(athleteId, ['read', 'activity:read_all']);
    issued.push(tokens.access_token, tokens.refresh_token);
    await store.saveTokens(
      t.db,
      userId,
      { ...tokens },
      { athlete: { id: String(athleteId) }, scopes: ['read', 'activity:read_all'] },
    );
    return { userId, athleteId };
  }

  async function startSync(userId: string, correlationId: string) {
    const token = await signAccessToken(jwtSecret, { sub: userId });
    const response = await fetch(`${url}/api/syncs`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'x-correlation-id': correlationId,
      },
      body: '{}',
    });
    expect(response.status).toBe(202);
    expect(response.headers.get('x-correlation-id')).toBe(correlationId);
    const session = (await response.json()) as { id: string; correlationId: string };
    expect(session.correlationId).toBe(correlationId);
    return { sessionId: session.id, token };
  }

  async function ended(sessionId: string, token: string) {
    for (let i = 0; i < 600; i++) {
      const response = await fetch(`${url}/api/syncs/${sessionId}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const view = (await response.json()) as {
        status: string;
        correlationId: string;
        error: { code: string } | null;
      };
      if (['completed', 'failed', 'cancelled'].includes(view.status)) return view;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`session ${sessionId} never ended`);
  }

  function logLines(): LogLine[] {
    return server
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);
  }

  async function timeline(sessionId: string) {
    const { rows } = await t.db.query<{ type: string; correlation_id: string }>(
      'select type, correlation_id from sync_events where session_id = $1 order by id',
      [sessionId],
    );
    return rows;
  }

  it('follows a completed sync from the request to the job, the worker, its lines and its timeline', async () => {
    const { userId } = await connectedUser(0);
    const correlationId = 'support-ticket-4711';
    const { sessionId, token } = await startSync(userId, correlationId);
    expect(await ended(sessionId, token)).toMatchObject({ status: 'completed', correlationId });

    const { rows: jobs } = await t.db.query<{ data: { correlationId: string } }>(
      `select data from ${QUEUE_SCHEMA}.job where name = $1 and singleton_key = $2`,
      [QUEUES.sync, userId],
    );
    expect(jobs.length).toBeGreaterThan(0);
    for (const job of jobs) expect(job.data.correlationId).toBe(correlationId);

    const events = await timeline(sessionId);
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['sync:started', 'slice:stored', 'enrich:batch', 'sync:completed']),
    );
    for (const event of events) expect(event).toMatchObject({ correlation_id: correlationId });

    const lines = logLines();
    const ofSync = lines.filter((l) => l.sessionId === sessionId || l.userId === userId);
    expect(ofSync.map((l) => l.msg)).toContain('sync job ran');
    for (const line of ofSync) expect(line).toMatchObject({ correlationId });
    expect(lines).toContainEqual(
      expect.objectContaining({ correlationId, msg: 'request', path: '/api/syncs', status: 202 }),
    );
  });

  it('puts the id on the lines shared parts log during the run, and on the error the runner sees', async () => {
    const { userId, athleteId } = await connectedUser(1);
    // The runner revoked access on Strava: the token manager, built once for the process, says
    // so in its own line, and the sync fails.
    sims.strava.deauthorize(athleteId);
    const correlationId = 'revoked-run-1';
    const { sessionId, token } = await startSync(userId, correlationId);
    const view = await ended(sessionId, token);
    expect(view).toMatchObject({ status: 'failed', correlationId });

    const lines = logLines();
    const revoked = lines.filter((l) => l.msg === 'Strava refused both tokens: revoked');
    expect(revoked).toEqual([expect.objectContaining({ userId, correlationId, sessionId })]);
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'sync failed', correlationId, sessionId }),
    );
    const events = await timeline(sessionId);
    expect(events.at(-1)).toEqual({ type: 'sync:failed', correlation_id: correlationId });
  });

  it('logs none of the secrets the run was given or issued', async () => {
    // A metrics scrape and a webhook challenge, so the lines of those requests are scanned too.
    const metrics = await fetch(`${url}/api/metrics`, {
      headers: { authorization: `Bearer ${metricsToken}` },
    });
    expect(metrics.status).toBe(200);
    const challenge = await fetch(
      `${url}/api/strava/webhook?hub.mode=subscribe&hub.challenge=c1&hub.verify_token=${verifyToken}`,
    );
    expect(challenge.status).toBe(200);

    const secrets = [
      sims.stravaApp.clientSecret,
      key.toString('base64'),
      jwtSecret,
      verifyToken,
      metricsToken,
      sims.openWeatherKey,
      ...issued,
    ];
    expect(issued.length).toBe(4);
    const logged = `${server.stdout()}\n${server.stderr()}`;
    expect(logLines().length).toBeGreaterThan(20);
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(8);
      expect(logged.includes(secret), `a secret (${secret.slice(0, 4)}…) was logged`).toBe(false);
    }
  });
});
