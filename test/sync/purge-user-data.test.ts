import type { Hono } from 'hono';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.ts';
import type { AppEnv } from '../../src/http/app-env.ts';
import { createJwtVerifier, signAccessToken } from '../../src/http/jwt.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { sessionStore } from '../../src/store/session-store.ts';
import { JWT_SECRET } from '../http/test-app.ts';
import { ADAPTERS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser, seedUserRows } from '../support/seed.ts';
import { type StravaHarness, startStravaHarness } from '../support/strava-harness.ts';
import { eventTypes, runToEnd, startSession, syncDeps } from './sync-harness.ts';

/**
 * A runner's access ends one of two ways: they disconnect (`DELETE /api/strava/connection?purge=true`)
 * or they deauthorize stridesync on Strava (a webhook event, applied by an `event` session with
 * PURGE_ON_DEAUTHORIZE). Both must purge the same data through the one purgeUserData; the second
 * runs inside a session of the very user it purges, which must still end as usual.
 */
describe.each(ADAPTERS)('one purge whichever way Strava access ends, on %s', (kind) => {
  let t: TestDatabase;
  let h: StravaHarness;
  let app: Hono<AppEnv>;
  let userId: string;
  let bystander: string;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    h = await startStravaHarness(t.db, { activityCount: 30 });
    app = createApp({
      db: t.db,
      clock: h.clock,
      logger: createLogger('silent'),
      auth: createJwtVerifier({ secret: JWT_SECRET }),
      strava: h.routeDeps({ jwtSecret: JWT_SECRET, publicUrl: 'http://localhost:8787' }),
    });
  });
  beforeEach(async () => {
    h.sim.reset();
    await t.db.exec(
      'delete from strava_connections; delete from activities; delete from sync_sessions',
    );
    bystander = await insertUser(t.db);
    await seedUserRows(t.db, bystander, 7);
    userId = await insertUser(t.db);
    await h.connect(userId);
    await runToEnd(syncDeps(t.db, h), (await startSession(t.db, userId)).id);
    expect(await leftOf(userId)).toMatchObject({
      activities: expect.any(Number),
      sessions: 1,
      events: expect.any(Number),
      tokensDeleted: false,
    });
  });
  afterAll(async () => {
    await h.close();
    await t.dispose();
  });

  /** What is left of `userId`'s data, apart from the session `except` and its timeline. */
  async function leftOf(user: string, except: string | null = null) {
    const count = async (sql: string, params: unknown[]) =>
      (await t.db.query<{ n: number }>(sql, params)).rows[0]!.n;
    const { rows } = await t.db.query<{ gone: boolean }>(
      `select access_token_enc is null and refresh_token_enc is null as gone
       from strava_connections where user_id = $1`,
      [user],
    );
    return {
      activities: await count('select count(*)::int as n from activities where user_id = $1', [
        user,
      ]),
      sessions: await count(
        'select count(*)::int as n from sync_sessions where user_id = $1 and id is distinct from $2::uuid',
        [user, except],
      ),
      events: await count(
        'select count(*)::int as n from sync_events where user_id = $1 and session_id is distinct from $2::uuid',
        [user, except],
      ),
      tokensDeleted: rows[0]?.gone,
    };
  }

  const PURGED = { activities: 0, sessions: 0, events: 0, tokensDeleted: true };

  it('a disconnect with purge leaves nothing of the user but the revoked connection', async () => {
    const bystanderBefore = await leftOf(bystander);
    const response = await app.request('/api/strava/connection?purge=true', {
      method: 'DELETE',
      headers: { authorization: `Bearer ${await signAccessToken(JWT_SECRET, { sub: userId })}` },
    });
    expect(response.status).toBe(200);
    expect(await leftOf(userId)).toEqual(PURGED);
    expect(await leftOf(bystander)).toEqual(bystanderBefore);
  });

  it('a deauthorization purges the same, and the event session applying it ends cleanly', async () => {
    const bystanderBefore = await leftOf(bystander);
    const athlete = Number(h.athleteId);
    h.sim.deauthorize(athlete, { deliverWebhooks: false });
    const { session } = await sessionStore.start(t.db, {
      userId,
      kind: 'event',
      correlationId: 'webhook',
      input: {
        object_type: 'athlete',
        object_id: athlete,
        aspect_type: 'update',
        updates: { authorized: 'false' },
        owner_id: athlete,
        subscription_id: 1,
        event_time: 1_700_000_000,
      },
    });
    const { outcomes } = await runToEnd(
      syncDeps(t.db, h, { purgeOnDeauthorize: true }),
      session.id,
    );

    expect(await leftOf(userId, session.id)).toEqual(PURGED);
    expect(await leftOf(bystander)).toEqual(bystanderBefore);
    // One run, to the end: the purge did not take the session's lease from under it.
    expect(outcomes).toEqual([{ status: 'completed' }]);
    expect(await sessionStore.get(t.db, session.id)).toMatchObject({
      status: 'completed',
      lease_owner: null,
      error_code: null,
    });
    const timeline = await eventTypes(t.db, session.id);
    expect(timeline).toContain('event:applied');
    expect(timeline.at(-1)).toBe('sync:completed');
  });
});
