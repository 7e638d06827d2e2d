import type { Context } from '@netlify/functions';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import netlifyHealth from '../../netlify/functions/health.mts';
import stravaAuth from '../../netlify/functions/strava-auth.mts';
import stravaWebhook from '../../netlify/functions/strava-webhook.mts';
import syncOrchestrator from '../../netlify/functions/sync-orchestrator.mts';
import { signAccessToken } from '../../src/http/jwt.ts';
import { buildNetlifyApp } from '../../src/http/netlify-app.ts';
import { createNetlifyHandler } from '../../src/http/netlify-handler.ts';
import { createLogger } from '../../src/observability/logger.ts';
import type { Database } from '../../src/store/database.ts';
import { createPgliteDatabase } from '../../src/store/pglite-database.ts';
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
  });
});
