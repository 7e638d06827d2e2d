import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.ts';
import { createApp } from '../../src/http/app.ts';
import { createJwtVerifier, signAccessToken } from '../../src/http/jwt.ts';
import { type RunningServer, startServer } from '../../src/http/node-server.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { errorOf, JWT_SECRET } from './test-app.ts';

const GREEDY = 'a1000000-0000-4000-8000-000000000001';
const OTHER = 'b2000000-0000-4000-8000-000000000002';
const BURST = 20;

describe('a per-user request budget', () => {
  let t: TestDatabase;
  let server: RunningServer;
  const clock = createManualClock(new Date('2026-06-01T12:00:00Z'));
  const auth = async (sub: string) => ({
    authorization: `Bearer ${await signAccessToken(JWT_SECRET, { sub, email: `${sub}@example.com` })}`,
  });

  beforeAll(async () => {
    t = await createTestDatabase('pglite');
    server = await startServer(
      createApp({
        db: t.db,
        clock,
        logger: createLogger('silent'),
        auth: createJwtVerifier({ secret: JWT_SECRET }),
        userRequestLimit: { perSecond: 2, burst: BURST },
      }),
      { port: 0 },
    );
  });
  afterAll(async () => {
    await server.close();
    await t.dispose();
  });

  it('answers 429 with Retry-After once one user spends it, while others and health go on', async () => {
    const greedy = await auth(GREEDY);
    const answers = await Promise.all(
      Array.from({ length: BURST + 10 }, () => fetch(`${server.url}/api/me`, { headers: greedy })),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(BURST);
    expect(statuses.filter((s) => s === 429)).toHaveLength(10);
    const refused = answers.find((r) => r.status === 429)!;
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await errorOf(refused)).toMatchObject({
      code: 'too_many_requests',
      message: 'Too many requests from your account at once.',
    });

    const other = await fetch(`${server.url}/api/me`, { headers: await auth(OTHER) });
    expect(other.status).toBe(200);
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);

    // The bucket refills with time: two requests a second.
    clock.advance(1000);
    const again = await Promise.all(
      [1, 2, 3].map(() => fetch(`${server.url}/api/me`, { headers: greedy })),
    );
    expect(again.map((r) => r.status).sort()).toEqual([200, 200, 429]);
  });

  it('charges the expensive routes more, so a flood of estimates is refused early', async () => {
    const headers = await auth('c3000000-0000-4000-8000-000000000003');
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => fetch(`${server.url}/api/estimate`, { headers })),
    );
    // 10 units each out of 20: two get through (to the route, which has no providers: 503).
    expect(answers.map((r) => r.status).filter((s) => s === 429)).toHaveLength(3);
  });
});
