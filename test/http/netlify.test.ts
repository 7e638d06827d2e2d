import type { Context } from '@netlify/functions';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import netlifyHealth from '../../netlify/functions/health.mts';
import stravaAuth from '../../netlify/functions/strava-auth.mts';
import stravaWebhook from '../../netlify/functions/strava-webhook.mts';
import syncOrchestrator from '../../netlify/functions/sync-orchestrator.mts';
import { signAccessToken } from '../../src/http/jwt.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { isSignedWake, WAKE_HEADER } from '../../src/queue/wake-worker.ts';
import type { Database } from '../../src/store/database.ts';
import { createPgliteDatabase } from '../../src/store/pglite-database.ts';
import { pushSubscriptionStore } from '../../src/store/push-subscription-store.ts';
import { buildNetlifyApp } from '../../src/wiring/netlify/netlify-app.ts';
import { createNetlifyHandler } from '../../src/wiring/netlify/netlify-handler.ts';
import { startWakeReceiver } from '../netlify/netlify-harness.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';
import { errorOf, JWT_SECRET, testApp } from './test-app.ts';

// The handler only passes the context through to the app; nothing here reads it.
const context = { requestId: 'netlify-test' } as Context;
const healthRequest = () => new Request('https://stridesync.example/api/health');
const silent = createLogger('silent');

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('netlify/functions/health', () => {
  it('answers 503 naming the missing variables instead of crashing', async () => {
    vi.stubEnv('DATABASE_URL', '');
    vi.stubEnv('SUPABASE_JWT_SECRET', '');
    vi.stubEnv('LOG_LEVEL', 'silent');
    const response = await netlifyHealth(healthRequest(), context);
    expect(response.status).toBe(503);
    expect(response.headers.get('x-correlation-id')).toEqual(expect.any(String));
    const error = await errorOf(response);
    expect(error.code).toBe('missing_configuration');
    expect(error.message).toContain('DATABASE_URL');
    expect(error.message).toContain('SUPABASE_JWT_SECRET');
    expect(error.hint).toEqual(expect.any(String));
  });
});

describe('buildNetlifyApp', () => {
  it('names the one variable that is missing', async () => {
    await expect(
      buildNetlifyApp({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' }),
    ).rejects.toMatchObject({
      code: 'missing_configuration',
      userMessage: expect.stringMatching(/SUPABASE_JWT_SECRET is not set/),
    });
    await expect(buildNetlifyApp({ SUPABASE_JWT_SECRET: JWT_SECRET })).rejects.toMatchObject({
      userMessage: expect.stringMatching(/DATABASE_URL is not set/),
    });
  });
});

describe('createNetlifyHandler', () => {
  let db: Database;
  beforeAll(async () => {
    db = await createPgliteDatabase('memory://');
  });
  afterAll(() => db.close());

  it('serves the app it builds, building it once', async () => {
    const build = vi.fn(async () => testApp(db));
    const handler = createNetlifyHandler(build, silent);
    const first = await handler(healthRequest(), context);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({
      status: 'ok',
      database: { kind: 'pglite', ok: true },
    });
    expect((await handler(healthRequest(), context)).status).toBe(200);
    expect(build).toHaveBeenCalledTimes(1);
  });

  it('retries a failed build on the next request', async () => {
    const build = vi
      .fn<() => Promise<ReturnType<typeof testApp>>>()
      .mockRejectedValueOnce(new Error('could not resolve db.internal'))
      .mockImplementation(async () => testApp(db));
    const handler = createNetlifyHandler(build, silent);

    const failed = await handler(healthRequest(), context);
    expect(failed.status).toBe(503);
    const text = await failed.text();
    expect(text).not.toContain('db.internal');
    expect(JSON.parse(text).error).toMatchObject({
      code: 'internal_error',
      hint: expect.any(String),
    });

    expect((await handler(healthRequest(), context)).status).toBe(200);
    expect(build).toHaveBeenCalledTimes(2);
  });
});

describe('the API functions, called as Netlify calls them', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('postgres');
    // The webhook events below name subscription 1 and athlete 424242: stored and connected.
    await pushSubscriptionStore.save(t.db, { id: '1', callbackUrl: 'https://x.test/hook' });
    await t.db.query(
      `insert into strava_connections
         (user_id, athlete_id, access_token_enc, refresh_token_enc, token_key_version, expires_at)
       values ($1, 424242, 'a', 'r', 1, now() + interval '6 hours')`,
      [await insertUser(t.db)],
    );
  });
  afterAll(() => t.dispose());

  it('serve the user’s syncs and Strava’s webhook handshake over one configured database', async () => {
    vi.stubEnv('DATABASE_URL', t.url!);
    vi.stubEnv('SUPABASE_JWT_SECRET', JWT_SECRET);
    vi.stubEnv('STRAVA_CLIENT_ID', '12345');
    vi.stubEnv('STRAVA_CLIENT_SECRET', 'sim-secret');
    vi.stubEnv('TOKEN_ENCRYPTION_KEY', Buffer.alloc(32, 3).toString('base64'));
    vi.stubEnv('STRAVA_WEBHOOK_VERIFY_TOKEN', 'netlify-verify-token');
    vi.stubEnv('LOG_LEVEL', 'silent');
    const userId = await insertUser(t.db);
    const authorization = `Bearer ${await signAccessToken(JWT_SECRET, { sub: userId })}`;

    const syncs = await syncOrchestrator(
      new Request('https://stridesync.example/api/syncs', { headers: { authorization } }),
      context,
    );
    expect(syncs.status).toBe(200);
    expect(await syncs.json()).toEqual({ items: [] });

    const start = await syncOrchestrator(
      new Request('https://stridesync.example/api/syncs', {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: '{}',
      }),
      context,
    );
    expect(start.status).toBe(409);
    expect((await errorOf(start)).code).toBe('strava_not_connected');

    const handshake = await stravaWebhook(
      new Request(
        'https://stridesync.example/api/strava/webhook?hub.mode=subscribe&hub.challenge=abc&hub.verify_token=netlify-verify-token',
      ),
      context,
    );
    expect(await handshake.json()).toEqual({ 'hub.challenge': 'abc' });

    const connect = await stravaAuth(
      new Request('https://stridesync.example/api/strava/connect', {
        headers: { authorization, accept: 'application/json' },
      }),
      context,
    );
    expect(((await connect.json()) as { url: string }).url).toContain(
      'https://www.strava.com/oauth/authorize?client_id=12345',
    );
    const connection = await stravaAuth(
      new Request('https://stridesync.example/api/strava/connection', {
        headers: { authorization },
      }),
      context,
    );
    expect(connection.status).toBe(200);
  });

  it('serve the estimate, the stats and the metrics the functions pass their settings to', async () => {
    vi.stubEnv('DATABASE_URL', t.url!);
    vi.stubEnv('SUPABASE_JWT_SECRET', JWT_SECRET);
    vi.stubEnv('METRICS_TOKEN', 'netlify-metrics-token');
    vi.stubEnv('LOG_LEVEL', 'silent');
    const userId = await insertUser(t.db);
    const authorization = `Bearer ${await signAccessToken(JWT_SECRET, { sub: userId })}`;
    const get = (path: string, headers: Record<string, string> = { authorization }) =>
      new Request(`https://stridesync.example${path}`, { headers });

    // Without the providers the estimate would answer 503: the function passed them.
    const estimate = await syncOrchestrator(get('/api/estimate'), context);
    expect(estimate.status).toBe(200);
    expect(await estimate.json()).toMatchObject({
      activities: { expected: 0, basis: 'stored' },
      weather: { provider: 'open-meteo' },
    });
    const stats = await syncOrchestrator(get('/api/activities/stats'), context);
    expect(stats.status).toBe(200);
    expect(await stats.json()).toMatchObject({ paceVsTemperature: [] });

    const unscraped = await netlifyHealth(get('/api/metrics', {}), context);
    expect(unscraped.status).toBe(401);
    const scraped = await netlifyHealth(
      get('/api/metrics', { authorization: 'Bearer netlify-metrics-token' }),
      context,
    );
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('# TYPE');
  });

  it('wake the sync worker, with a signed request, for a webhook event they queued', async () => {
    vi.stubEnv('DATABASE_URL', t.url!);
    vi.stubEnv('SUPABASE_JWT_SECRET', JWT_SECRET);
    vi.stubEnv('STRAVA_WEBHOOK_VERIFY_TOKEN', 'netlify-verify-token');
    vi.stubEnv('LOG_LEVEL', 'silent');
    const receiver = await startWakeReceiver();
    try {
      const event = {
        aspect_type: 'create',
        object_type: 'activity',
        object_id: 1234567890,
        owner_id: 424242,
        subscription_id: 1,
        event_time: 1_773_000_000,
        updates: {},
      };
      const received = await stravaWebhook(
        new Request(`${receiver.origin}/api/strava/webhook`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(event),
        }),
        context,
      );
      expect(received.status).toBe(200);
      expect(receiver.wakes).toHaveLength(1);
      expect(
        isSignedWake(JWT_SECRET, receiver.wakes[0]?.get(WAKE_HEADER) ?? null, Date.now()),
      ).toBe(true);
      expect(receiver.wakes[0]?.get('x-correlation-id')).toBe(
        received.headers.get('x-correlation-id'),
      );

      // A handshake queues nothing: no wake-up.
      await stravaWebhook(
        new Request(
          `${receiver.origin}/api/strava/webhook?hub.mode=subscribe&hub.challenge=abc&hub.verify_token=netlify-verify-token`,
        ),
        context,
      );
      expect(receiver.wakes).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });

  it('answer the request even when the worker cannot be woken', async () => {
    vi.stubEnv('DATABASE_URL', t.url!);
    vi.stubEnv('SUPABASE_JWT_SECRET', JWT_SECRET);
    vi.stubEnv('LOG_LEVEL', 'silent');
    const receiver = await startWakeReceiver();
    const origin = receiver.origin;
    // Nothing listens there any more: the wake-up fails, the event stays queued for the tick.
    await receiver.close();
    const received = await stravaWebhook(
      new Request(`${origin}/api/strava/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          aspect_type: 'delete',
          object_type: 'activity',
          object_id: 99,
          owner_id: 424242,
          subscription_id: 1,
          event_time: 1_773_000_000,
        }),
      }),
      context,
    );
    expect(received.status).toBe(200);
    const { rows } = await t.db.query<{ n: number }>(
      `select count(*)::int as n from pgboss.job where name = 'strava-event' and data->'event'->>'object_id' = '99'`,
    );
    expect(rows[0]?.n).toBe(1);
  });
});
