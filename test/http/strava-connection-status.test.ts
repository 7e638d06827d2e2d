import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionView } from '../../src/api/contract.ts';
import { createApp } from '../../src/http/app.ts';
import { createJwtVerifier, signAccessToken } from '../../src/http/jwt.ts';
import { type RunningServer, startServer } from '../../src/http/node-server.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { DISCONNECTED_BY_USER } from '../../src/strava/connection-store.ts';
import type { StravaTokenResponse } from '../../src/strava/strava-schemas.ts';
import { readApiSample } from '../support/api-samples.ts';
import { ADAPTERS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';
import { type StravaHarness, startStravaHarness } from '../support/strava-harness.ts';
import { errorOf, JWT_SECRET } from './test-app.ts';

const PUBLIC_URL = 'http://localhost:8787';

describe.each(ADAPTERS)('GET /api/strava/connection on %s', (kind) => {
  let t: TestDatabase;
  let h: StravaHarness;
  let server: RunningServer;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    h = await startStravaHarness(t.db);
    const app = createApp({
      db: t.db,
      clock: h.clock,
      logger: createLogger('silent'),
      auth: createJwtVerifier({ secret: JWT_SECRET }),
      strava: h.routeDeps({ jwtSecret: JWT_SECRET, publicUrl: PUBLIC_URL }),
    });
    server = await startServer(app, { port: 0 });
  });
  afterAll(async () => {
    await server.close();
    await h.close();
    await t.dispose();
  });

  async function newUser() {
    const id = await insertUser(t.db);
    return { id, authorization: `Bearer ${await signAccessToken(JWT_SECRET, { sub: id })}` };
  }

  async function connectionOf(authorization: string): Promise<ConnectionView> {
    const response = await fetch(`${server.url}/api/strava/connection`, {
      headers: { authorization },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    return (await response.json()) as ConnectionView;
  }

  /**
   * The whole connect flow over HTTP: our connect route, the simulator's authorize page, and the
   * dashboard sending what Strava put on its address to our callback.
   */
  async function connectThroughStrava(authorization: string) {
    const start = await fetch(`${server.url}/api/strava/connect`, {
      headers: { authorization, accept: 'application/json' },
    });
    const { url } = (await start.json()) as { url: string };
    const atStrava = await fetch(url, { redirect: 'manual' });
    const landing = new URL(atStrava.headers.get('location') ?? '');
    expect(`${landing.origin}${landing.pathname}`).toBe(`${PUBLIC_URL}/`);
    const done = await fetch(`${server.url}/api/strava/callback`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify(Object.fromEntries(landing.searchParams)),
    });
    expect(done.status).toBe(200);
  }

  it('needs a signed-in user', async () => {
    const response = await fetch(`${server.url}/api/strava/connection`);
    expect(response.status).toBe(401);
    expect((await errorOf(response)).code).toBe('missing_token');
  });

  it('says not connected, with every scope still to grant', async () => {
    const user = await newUser();
    expect(await connectionOf(user.authorization)).toEqual({
      status: 'not_connected',
      athlete: null,
      scopes: [],
      missingScopes: ['read', 'activity:read_all'],
      connectedAt: null,
      revokedAt: null,
      revokedReason: null,
    });
  });

  it('shows the athlete Strava connected, and nobody else sees it', async () => {
    const alice = await newUser();
    const bob = await newUser();
    await connectThroughStrava(alice.authorization);
    const athlete = h.sim.athletes.get(Number(h.athleteId));
    const view = await connectionOf(alice.authorization);
    expect(view).toMatchObject({
      status: 'connected',
      athlete: {
        id: h.athleteId,
        firstName: athlete?.firstname,
        lastName: athlete?.lastname,
        // The simulator, like Strava, sends its placeholder path for an athlete without a picture.
        profileImageUrl: null,
        // Strava's measurement_preference, read with profile:read_all.
        measurementPreference: 'meters',
      },
      scopes: ['read', 'profile:read_all', 'activity:read_all'],
      missingScopes: [],
      revokedAt: null,
      revokedReason: null,
    });
    expect(Date.parse(view.connectedAt ?? '')).not.toBeNaN();
    expect((await connectionOf(bob.authorization)).status).toBe('not_connected');
    await t.db.query('delete from strava_connections where user_id = $1', [alice.id]);
  });

  it('shows a real profile picture and the scope left out', async () => {
    const user = await newUser();
    const tokens = readApiSample<StravaTokenResponse>(
      'strava_token_authorization_code_response.json',
    );
    await h.store.saveTokens(t.db, user.id, tokens, {
      athlete: tokens.athlete!,
      scopes: ['read', 'activity:read'],
    });
    expect(await connectionOf(user.authorization)).toMatchObject({
      status: 'connected',
      athlete: {
        id: '12342176',
        firstName: 'Daniel',
        lastName: 'Block',
        profileImageUrl:
          'https://dgalywyr863hv.cloudfront.net/pictures/athletes/26462176/7677115/2/large.jpg',
      },
      scopes: ['read', 'activity:read'],
      missingScopes: ['activity:read_all'],
    });
  });

  it('says revoked, when and why, after Strava’s access ends', async () => {
    const user = await newUser();
    await h.connect(user.id);
    await h.store.revoke(t.db, user.id, 'refresh token refused by Strava');
    const view = await connectionOf(user.authorization);
    expect(view).toMatchObject({
      status: 'revoked',
      athlete: { id: h.athleteId, firstName: null, lastName: null, profileImageUrl: null },
      revokedReason: 'refresh token refused by Strava',
    });
    expect(Date.parse(view.revokedAt ?? '')).not.toBeNaN();
    await t.db.query('delete from strava_connections where user_id = $1', [user.id]);
  });

  it('says not connected, not revoked, after the runner disconnects on purpose', async () => {
    const user = await newUser();
    await h.connect(user.id);
    await h.store.revoke(t.db, user.id, DISCONNECTED_BY_USER);
    const view = await connectionOf(user.authorization);
    expect(view).toMatchObject({ status: 'not_connected', revokedReason: DISCONNECTED_BY_USER });
    expect(Date.parse(view.revokedAt ?? '')).not.toBeNaN();
    await t.db.query('delete from strava_connections where user_id = $1', [user.id]);
  });
});
