import type { Hono } from 'hono';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.ts';
import type { AppEnv } from '../../src/http/app-env.ts';
import { createJwtVerifier, signAccessToken } from '../../src/http/jwt.ts';
import { ADAPTERS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser, seedUserRows } from '../support/seed.ts';
import { type StravaHarness, startStravaHarness } from '../support/strava-harness.ts';
import { captureLogs, errorOf, JWT_SECRET } from './test-app.ts';

const PUBLIC_URL = 'http://localhost:8787';

describe.each(ADAPTERS)('Strava connect flow on %s against the simulator', (kind) => {
  let t: TestDatabase;
  let h: StravaHarness;
  let app: Hono<AppEnv>;
  let userId: string;
  let authorization: string;
  const logs = captureLogs();

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    h = await startStravaHarness(t.db);
    app = createApp({
      db: t.db,
      clock: h.clock,
      logger: logs.logger,
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

  /** connect → Strava's authorize page (the simulator decides per its knob) → the dashboard's address. */
  async function authorizeAtStrava(as = authorization) {
    const start = await app.request('/api/strava/connect', { headers: { authorization: as } });
    expect(start.status).toBe(302);
    const authorize = new URL(start.headers.get('location') ?? '');
    const atStrava = await fetch(authorize, { redirect: 'manual' });
    return { authorize, landing: new URL(atStrava.headers.get('location') ?? '') };
  }

  /** What the signed-in dashboard does with the parameters Strava put on its address. */
  function completeCallback(body: Record<string, string>, as = authorization) {
    return app.request('/api/strava/callback', {
      method: 'POST',
      headers: { authorization: as, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  async function connectVia(edit?: (params: Record<string, string>) => void) {
    const { authorize, landing } = await authorizeAtStrava();
    const params = Object.fromEntries(landing.searchParams);
    edit?.(params);
    return { authorize, landing, params, done: await completeCallback(params) };
  }

  const connectionRows = async () =>
    (await t.db.query<{ user_id: string }>('select user_id from strava_connections')).rows;

  it('asks Strava for read,activity:read_all,profile:read_all with a signed state, back to the dashboard', async () => {
    const response = await app.request('/api/strava/connect', {
      headers: { authorization, accept: 'application/json' },
    });
    const url = new URL(((await response.json()) as { url: string }).url);
    expect(url.origin + url.pathname).toBe(`${h.oauthUrl}/authorize`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: h.sim.defaultApp.clientId,
      redirect_uri: `${PUBLIC_URL}/`,
      response_type: 'code',
      scope: 'read,activity:read_all,profile:read_all',
      state: expect.stringMatching(/^[\w-]+\.[\w-]+$/),
    });
  });

  it('refuses a new athlete before Strava once STRAVA_ATHLETE_LIMIT athletes are connected', async () => {
    const limited = createApp({
      db: t.db,
      clock: h.clock,
      logger: logs.logger,
      auth: createJwtVerifier({ secret: JWT_SECRET }),
      strava: { ...h.routeDeps({ jwtSecret: JWT_SECRET, publicUrl: PUBLIC_URL }), athleteLimit: 1 },
    });
    const connect = (as: string) =>
      limited.request('/api/strava/connect', { headers: { authorization: as } });
    expect((await connect(authorization)).status).toBe(302);
    expect((await connectVia()).done.status).toBe(200);

    const otherId = await insertUser(t.db);
    const other = `Bearer ${await signAccessToken(JWT_SECRET, { sub: otherId })}`;
    const refused = await connect(other);
    expect(refused.status).toBe(409);
    expect(refused.headers.get('location')).toBeNull();
    expect(await errorOf(refused)).toMatchObject({
      code: 'strava_athlete_limit',
      message:
        'This stridesync has reached the number of athletes its Strava application may connect; the operator has been told.',
      hint: expect.stringContaining('extended access'),
    });
    const logged = logs.entries().find((e) => e.code === 'strava_athlete_limit');
    expect(logged?.level).toBe(40);
    expect(logged?.correlationId).toBe(refused.headers.get('x-correlation-id'));
    expect(logged?.detail).toContain('1 athletes connected, STRAVA_ATHLETE_LIMIT 1');
    // The athlete already connected takes no new place: reconnecting still goes to Strava.
    expect((await connect(authorization)).status).toBe(302);
  });

  it('needs a signed-in user to start and to finish', async () => {
    expect((await app.request('/api/strava/connect')).status).toBe(401);
    const { landing } = await authorizeAtStrava();
    const unsigned = await app.request('/api/strava/callback', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(Object.fromEntries(landing.searchParams)),
    });
    expect(unsigned.status).toBe(401);
    expect(await connectionRows()).toEqual([]);
  });

  it('has no GET callback: Strava comes back to the dashboard, never to the API', async () => {
    const { landing } = await authorizeAtStrava();
    expect(`${landing.origin}${landing.pathname}`).toBe(`${PUBLIC_URL}/`);
    expect(Object.keys(Object.fromEntries(landing.searchParams))).toEqual([
      'state',
      'code',
      'scope',
    ]);
    const old = await app.request(`/api/strava/callback${landing.search}`, {
      headers: { authorization },
    });
    expect(old.status).toBe(404);
    expect(await connectionRows()).toEqual([]);
  });

  it('connects: exchanges the code, stores the tokens encrypted, answers the connection', async () => {
    const { done } = await connectVia();
    expect(done.status).toBe(200);
    expect(done.headers.get('cache-control')).toBe('no-store');
    // With profile:read_all, the detailed athlete (GET /athlete) gives the runner's units.
    expect(await done.json()).toMatchObject({
      status: 'connected',
      athlete: { id: h.athleteId, measurementPreference: 'meters' },
      scopes: ['read', 'profile:read_all', 'activity:read_all'],
      missingScopes: [],
    });
    const connection = await h.store.load(t.db, userId);
    expect(connection).toMatchObject({
      athleteId: h.athleteId,
      scopes: ['read', 'profile:read_all', 'activity:read_all'],
    });
    expect(await h.client.getAthlete(connection.accessToken)).toMatchObject({ id: h.athleteId });
  });

  it('refuses to finish another account’s authorization: nothing is connected for either', async () => {
    // B asks for a connect link and sends Strava's page to D; D authorizes with D's Strava
    // account and lands on D's own dashboard, which sends B's state with D's session.
    const victimId = await insertUser(t.db);
    const victim = `Bearer ${await signAccessToken(JWT_SECRET, { sub: victimId })}`;
    const { landing } = await authorizeAtStrava(authorization);
    const params = Object.fromEntries(landing.searchParams);
    const refused = await completeCallback(params, victim);
    expect(refused.status).toBe(400);
    expect(await errorOf(refused)).toMatchObject({
      code: 'strava_state_not_yours',
      message:
        'This Strava authorization was started from another stridesync account, so nothing was connected.',
      hint: 'Start connecting Strava from your own dashboard.',
    });
    expect(await connectionRows()).toEqual([]);
    expect(h.sim.inspect().byEndpoint['POST /oauth/token']).toBeUndefined();
    const logged = logs.entries().find((e) => e.code === 'strava_state_not_yours');
    expect(logged?.detail).toContain(userId);
    expect(logged?.detail).toContain(victimId);
    // Nor can the account that started it finish with the victim's code: its state is spent.
    const replayed = await completeCallback(params, authorization);
    expect(replayed.status).toBe(400);
    expect((await errorOf(replayed)).code).toBe('state_used');
    expect(await connectionRows()).toEqual([]);
  });

  it('refuses a replayed, tampered or expired state with 400', async () => {
    const { params } = await connectVia();
    const replay = await completeCallback(params);
    expect(replay.status).toBe(400);
    expect(await errorOf(replay)).toMatchObject({
      code: 'state_used',
      fields: [{ path: 'body.state', message: expect.any(String) }],
    });

    const { done: tampered } = await connectVia((p) => {
      const [payload, signature] = (p.state ?? '').split('.');
      const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
      claims.u = '00000000-0000-4000-8000-00000000dead';
      p.state = `${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    });
    expect(tampered.status).toBe(400);
    expect((await errorOf(tampered)).code).toBe('state_invalid');

    const { done: expired } = await connectVia(() => h.clock.advance(11 * 60_000));
    expect(expired.status).toBe(400);
    expect(await errorOf(expired)).toMatchObject({
      code: 'state_expired',
      hint: expect.stringContaining('Connect Strava'),
    });
    expect(await connectionRows()).toEqual([{ user_id: userId }]);
  });

  it('refuses a body that is not the callback’s', async () => {
    const { landing } = await authorizeAtStrava();
    const params = Object.fromEntries(landing.searchParams);
    const bodies: Record<string, string>[] = [
      { ...params, message: 'Your account is suspended: call +1 555 0100' },
      { state: params.state ?? '' },
      { ...params, code: 'c'.repeat(513) },
    ];
    for (const body of bodies) {
      const response = await completeCallback(body);
      expect(response.status).toBe(400);
      expect((await errorOf(response)).code).toBe('invalid_body');
    }
    // Refused before the state was looked at: it still works.
    expect((await completeCallback(params)).status).toBe(200);
  });

  it('explains a denial in the error shape and stores nothing', async () => {
    h.sim.knobs.authorizeDecision = 'deny';
    const { landing, done } = await connectVia();
    expect(Object.keys(Object.fromEntries(landing.searchParams))).toEqual(['state', 'error']);
    expect(done.status).toBe(409);
    expect(await errorOf(done)).toEqual({
      code: 'strava_access_denied',
      message: 'Strava was not connected: access was not granted.',
      hint: 'Connect again and choose Authorize.',
    });
    await expect(h.store.load(t.db, userId)).rejects.toMatchObject({
      code: 'strava_not_connected',
    });
  });

  it('explains a grant without activity access and stores nothing', async () => {
    h.sim.knobs.authorizeDecision = { grant: ['read'] };
    const { done } = await connectVia();
    expect(done.status).toBe(409);
    expect(await errorOf(done)).toMatchObject({
      code: 'strava_scope_missing',
      message: expect.stringContaining('without permission to read your activities'),
      hint: expect.stringContaining('View data about your activities'),
    });
    await expect(h.store.load(t.db, userId)).rejects.toMatchObject({
      code: 'strava_not_connected',
    });
  });

  it('answers an exchange Strava refuses in the error shape, and stores nothing', async () => {
    const { done } = await connectVia((p) => {
      p.code = 'not-a-code-strava-gave';
    });
    expect(done.status).toBe(409);
    expect(await errorOf(done)).toMatchObject({
      code: 'strava_reconnect_required',
      message: 'Strava did not accept this authorization: it expired or was already used.',
    });
    expect(await connectionRows()).toEqual([]);
  });

  it('connects without private activities, and says which scope is missing', async () => {
    // Strava reports the scopes granted in the redirect; here the runner kept public activities only.
    const { done } = await connectVia((p) => {
      p.scope = 'read,activity:read';
    });
    expect(done.status).toBe(200);
    // Nor the detailed profile: the units are left to the runner (metric until they switch).
    expect(await done.json()).toMatchObject({
      status: 'connected',
      athlete: { id: h.athleteId, measurementPreference: null },
      missingScopes: ['activity:read_all'],
    });
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
