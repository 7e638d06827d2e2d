import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSessionView, MeView } from '../../src/api/contract.ts';
import { systemClock } from '../../src/core/clock.ts';
import { createApp } from '../../src/http/app.ts';
import { createJwtVerifier } from '../../src/http/jwt.ts';
import { type RunningServer, startServer } from '../../src/http/node-server.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { DEMO_USER } from '../../src/wiring/node/demo-user.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { getWithHost } from '../support/get-with-host.ts';
import { errorOf, JWT_SECRET, testApp } from './test-app.ts';

const TTL_S = 600;

describe('GET /api/local/session', () => {
  let t: TestDatabase;
  let local: RunningServer;
  let hosted: RunningServer;

  beforeAll(async () => {
    t = await createTestDatabase('pglite');
    local = await startServer(
      createApp({
        db: t.db,
        clock: systemClock,
        logger: createLogger('silent'),
        auth: createJwtVerifier({ secret: JWT_SECRET }),
        localSession: { jwtSecret: JWT_SECRET, user: DEMO_USER, ttlSeconds: TTL_S },
      }),
      { port: 0 },
    );
    hosted = await startServer(testApp(t.db), { port: 0 });
  });
  afterAll(async () => {
    await local.close();
    await hosted.close();
    await t.dispose();
  });

  it('hands the local install’s user a token the API accepts', async () => {
    const before = Math.floor(Date.now() / 1000);
    const response = await fetch(`${local.url}/api/local/session`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const session = (await response.json()) as LocalSessionView;
    expect(session.user).toEqual({ id: DEMO_USER.id, email: DEMO_USER.email });

    const claims = decodeJwt(session.accessToken);
    expect(claims).toMatchObject({ sub: DEMO_USER.id, role: 'authenticated' });
    expect(session.expiresAt).toBe(new Date((claims.exp ?? 0) * 1000).toISOString());
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(TTL_S);
    expect(claims.iat).toBeGreaterThanOrEqual(before);

    const me = await fetch(`${local.url}/api/me`, {
      headers: { authorization: `Bearer ${session.accessToken}` },
    });
    const view = (await me.json()) as MeView;
    expect(view).toMatchObject({ id: DEMO_USER.id, email: DEMO_USER.email });
    expect(Object.keys(view.features).length).toBeGreaterThan(0);
    expect(Object.values(view.features)).not.toContain(false);
  });

  it('is not there at all where the app was not told to sign its own tokens', async () => {
    const response = await fetch(`${hosted.url}/api/local/session`);
    expect(response.status).toBe(404);
    expect(await errorOf(response)).toEqual({
      code: 'not_found',
      message: 'There is nothing at this address.',
      hint: 'Check the method and the URL.',
    });
  });

  it('refuses a request that reached us under another host name (DNS rebinding)', async () => {
    const { status, body } = await getWithHost(`${local.url}/api/local/session`, 'evil.example');
    expect(status).toBe(401);
    expect(JSON.parse(body)).toMatchObject({
      error: {
        code: 'local_session_not_local',
        hint: expect.stringContaining('http://127.0.0.1:'),
      },
    });
    expect(body).not.toContain('accessToken');
  });
});
