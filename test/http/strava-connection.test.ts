import type { Hono } from 'hono';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.ts';
import type { AppEnv } from '../../src/http/app-env.ts';
import { createJwtVerifier, signAccessToken } from '../../src/http/jwt.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { ADAPTERS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser, seedUserRows } from '../support/seed.ts';
import { type StravaHarness, startStravaHarness } from '../support/strava-harness.ts';
import { errorOf, JWT_SECRET } from './test-app.ts';

const PUBLIC_URL = 'http://localhost:8787';

describe.each(ADAPTERS)('Strava connect flow on %s against the simulator', (kind) => {
  let t: TestDatabase;
  let h: StravaHarness;
  let app: Hono<AppEnv>;
  let userId: string;
  let authorization: string;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    h = await startStravaHarness(t.db);
    app = createApp({
      db: t.db,
      clock: h.clock,
      logger: createLogger('silent'),
      auth: createJwtVerifier({ secret: JWT_SECRET }),
      strava: h.routeDeps({ jwtSecret: JWT_SECRET, publicUrl: PUBLIC_URL }),
    });
  });
  beforeEach(async () => {
    h.sim.reset();
    await t.db.query('delete from strava_connections');
    userId = await insertUser(t.db);
    authorization = `Bearer ${await signAccessToken(JWT_SECRET, { sub: userId })}`;
  });
  afterAll(async () => {
    await h.close();
    await t.dispose();
  });

  /** connect → Strava's authorize page (the simulator decides per its knob) → our callback. */
  async function connectVia(params?: (callback: URL) => void) {
    const start = await app.request('/api/strava/connect', { headers: { authorization } });
    expect(start.status).toBe(302);
    const authorize = new URL(start.headers.get('location') ?? '');
    const atStrava = await fetch(authorize, { redirect: 'manual' });
    const callback = new URL(atStrava.headers.get('location') ?? '');
    params?.(callback);
    const done = await app.request(`${callback.pathname}${callback.search}`);
    return { authorize, callback, done };
  }

  it('asks Strava for read,activity:read_all with a signed state and our callback', async () => {
    const response = await app.request('/api/strava/connect', {
      headers: { authorization, accept: 'application/json' },
    });
    const url = new URL(((await response.json()) as { url: string }).url);
    expect(url.origin + url.pathname).toBe(`${h.oauthUrl}/authorize`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: h.sim.defaultApp.clientId,
      redirect_uri: `${PUBLIC_URL}/api/strava/callback`,
      response_type: 'code',
      scope: 'read,activity:read_all',
      state: expect.stringMatching(/^[\w-]+\.[\w-]+$/),
    });
  });

  it('needs a signed-in user to start', async () => {
    expect((await app.request('/api/strava/connect')).status).toBe(401);
  });

  it('connects: exchanges the code, stores the tokens encrypted, redirects back', async () => {
    const { done } = await connectVia();
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe(`${PUBLIC_URL}/?strava=connected`);
    const connection = await h.store.load(t.db, userId);
    expect(connection).toMatchObject({
      athleteId: h.athleteId,
      scopes: ['read', 'activity:read_all'],
    });
    expect(await h.client.getAthlete(connection.accessToken)).toMatchObject({ id: h.athleteId });
  });

  it('refuses a replayed, tampered or expired state with 400', async () => {
    const { callback } = await connectVia();
    const replay = await app.request(`${callback.pathname}${callback.search}`);
    expect(replay.status).toBe(400);
    expect((await errorOf(replay)).code).toBe('state_used');

    const { done: tampered } = await connectVia((cb) => {
      const state = cb.searchParams.get('state') ?? '';
      const [payload, signature] = state.split('.');
      const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
      claims.u = '00000000-0000-4000-8000-00000000dead';
      cb.searchParams.set(
        'state',
        `${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`,
      );
    });
    expect(tampered.status).toBe(400);
    expect((await errorOf(tampered)).code).toBe('state_invalid');

    const { done: expired } = await connectVia(() => h.clock.advance(11 * 60_000));
    expect(expired.status).toBe(400);
    expect(await errorOf(expired)).toMatchObject({
      code: 'state_expired',
      hint: expect.stringContaining('Connect Strava'),
    });
    const { rows } = await t.db.query<{ user_id: string }>(
      'select user_id from strava_connections',
    );
    expect(rows).toEqual([{ user_id: userId }]);
  });

  it('explains a denial and stores nothing', async () => {
    h.sim.knobs.authorizeDecision = 'deny';
    const { done } = await connectVia();
    const back = new URL(done.headers.get('location') ?? '');
    expect(Object.fromEntries(back.searchParams)).toMatchObject({
      strava: 'error',
      reason: 'access_denied',
    });
    expect(back.searchParams.get('message')).toContain('access was not granted');
    await expect(h.store.load(t.db, userId)).rejects.toMatchObject({
      code: 'strava_not_connected',
    });
  });

  it('explains a grant without activity access and stores nothing', async () => {
    h.sim.knobs.authorizeDecision = { grant: ['read'] };
    const { done } = await connectVia();
    const back = new URL(done.headers.get('location') ?? '');
    expect(Object.fromEntries(back.searchParams)).toMatchObject({
      strava: 'error',
      reason: 'strava_scope_missing',
    });
    expect(back.searchParams.get('message')).toContain('View data about your activities');
    await expect(h.store.load(t.db, userId)).rejects.toMatchObject({
      code: 'strava_not_connected',
    });
  });

  it('connects without private activities, and says which scope is missing', async () => {
    // Strava reports the scopes granted in the redirect; here the runner kept public activities only.
    const { done } = await connectVia((callback) =>
      callback.searchParams.set('scope', 'read,activity:read'),
    );
    expect(done.headers.get('location')).toBe(
      `${PUBLIC_URL}/?strava=connected&missing=activity%3Aread_all`,
    );
    expect(await h.store.load(t.db, userId)).toMatchObject({ scopes: ['read', 'activity:read'] });
  });

  it('disconnects: deauthorizes at Strava, deletes the tokens, and purges on request', async () => {
    await connectVia();
    await seedUserRowsWithoutConnection(t, userId);
    const { accessToken } = await h.store.load(t.db, userId);
    const response = await app.request('/api/strava/connection?purge=true', {
      method: 'DELETE',
      headers: { authorization },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ disconnected: true, purgedActivities: 1 });
    expect(h.sim.inspect().byEndpoint['POST /oauth/deauthorize']).toEqual({ '200': 1 });
    await expect(h.client.getAthlete(accessToken)).rejects.toMatchObject({
      code: 'strava_token_refused',
    });
    await expect(h.store.load(t.db, userId)).rejects.toMatchObject({
      code: 'strava_reconnect_required',
    });
    const { rows } = await t.db.query('select 1 from activities where user_id = $1', [userId]);
    expect(rows).toEqual([]);
  });

  it('keeps synced runs when disconnecting without purge', async () => {
    await connectVia();
    await seedUserRowsWithoutConnection(t, userId);
    const response = await app.request('/api/strava/connection', {
      method: 'DELETE',
      headers: { authorization },
    });
    expect(await response.json()).toEqual({ disconnected: true, purgedActivities: 0 });
    const { rows } = await t.db.query('select 1 from activities where user_id = $1', [userId]);
    expect(rows).toHaveLength(1);
  });
});

/** One activity and one session for `userId` (the connection exists already). */
async function seedUserRowsWithoutConnection(t: TestDatabase, userId: string) {
  const other = await insertUser(t.db);
  await seedUserRows(t.db, other, Math.floor(Math.random() * 1e6));
  await t.db.query('update activities set user_id = $1 where user_id = $2', [userId, other]);
}
