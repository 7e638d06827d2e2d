import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeView } from '../../src/api/contract.ts';
import { systemClock } from '../../src/core/clock.ts';
import { FLAG_KEYS } from '../../src/core/feature-flags.ts';
import { createApp } from '../../src/http/app.ts';
import { createJwtVerifier, signAccessToken } from '../../src/http/jwt.ts';
import { type RunningServer, startServer } from '../../src/http/node-server.ts';
import { type JobQueue, openJobQueue } from '../../src/queue/job-queue.ts';
import { createFeatureFlags, featureFlagStore } from '../../src/store/feature-flags.ts';
import { pushSubscriptionStore } from '../../src/store/push-subscription-store.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';
import { captureLogs, errorOf, JWT_SECRET } from './test-app.ts';

/** The API under feature flags: what the dashboard reads, reconcile refused, webhook events dropped. */
describe('the API under feature flags', () => {
  let t: TestDatabase;
  let queue: JobQueue;
  let server: RunningServer;
  let userId: string;
  let token: string;
  const logs = captureLogs();
  const athleteId = 77_001;

  beforeAll(async () => {
    t = await createTestDatabase('postgres');
    queue = await openJobQueue(t.db, { logger: logs.logger, work: false });
    server = await startServer(
      createApp({
        db: t.db,
        clock: systemClock,
        logger: logs.logger,
        auth: createJwtVerifier({ secret: JWT_SECRET }),
        queue,
        webhookVerifyToken: 'verify',
        // No cache: each request reads the flags as they are now.
        flags: createFeatureFlags(t.db, { clock: systemClock, ttlMs: 0 }),
      }),
      { port: 0 },
    );
    userId = await insertUser(t.db);
    token = await signAccessToken(JWT_SECRET, { sub: userId });
    await t.db.query(
      `insert into strava_connections
         (user_id, athlete_id, scopes, access_token_enc, refresh_token_enc, token_key_version, expires_at)
       values ($1, $2, '{read,activity:read_all}', 'a', 'r', 1, now() + interval '6 hours')`,
      [userId, athleteId],
    );
    await pushSubscriptionStore.save(t.db, { id: '9001', callbackUrl: 'https://x.test/hook' });
    await featureFlagStore.set(t.db, FLAG_KEYS.weather, { rolloutPercent: 100, deny: [userId] });
    await featureFlagStore.off(t.db, FLAG_KEYS.reconcile);
    await featureFlagStore.off(t.db, FLAG_KEYS.webhook);
  });
  afterAll(async () => {
    await server.close();
    await queue.stop({ timeoutMs: 0 });
    await t.dispose();
  });

  const authorized = () => ({ authorization: `Bearer ${token}` });

  it('GET /api/me answers each feature as evaluated for the user', async () => {
    const response = await fetch(`${server.url}/api/me`, { headers: authorized() });
    const { features } = (await response.json()) as MeView;
    expect(features).toMatchObject({
      [FLAG_KEYS.weather]: false,
      [FLAG_KEYS.reconcile]: false,
      [FLAG_KEYS.webhook]: false,
      [FLAG_KEYS.places]: true,
    });
  });

  it('refuses a reconcile the flag turns off, with a code and a way forward', async () => {
    const response = await fetch(`${server.url}/api/syncs`, {
      method: 'POST',
      headers: { ...authorized(), 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'reconcile' }),
    });
    expect(response.status).toBe(409);
    expect(await errorOf(response)).toMatchObject({
      code: 'feature_off',
      hint: expect.stringContaining('incremental'),
    });
  });

  it('drops a webhook event for a user the flag is off for: 200, nothing queued, logged flag_off', async () => {
    const response = await fetch(`${server.url}/api/strava/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        aspect_type: 'create',
        event_time: 1_700_000_000,
        object_id: 123,
        object_type: 'activity',
        owner_id: athleteId,
        subscription_id: 9001,
        updates: {},
      }),
    });
    expect(response.status).toBe(200);
    const { rows } = await t.db.query(`select 1 from pgboss.job where name = 'strava-event'`);
    expect(rows).toHaveLength(0);
    expect(logs.lines.some((l) => l.includes('"dropped":"flag_off"'))).toBe(true);

    // Back on: the same event is queued.
    await featureFlagStore.set(t.db, FLAG_KEYS.webhook, { rolloutPercent: 100 });
    const again = await fetch(`${server.url}/api/strava/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        aspect_type: 'create',
        event_time: 1_700_000_000,
        object_id: 123,
        object_type: 'activity',
        owner_id: athleteId,
        subscription_id: 9001,
        updates: {},
      }),
    });
    expect(again.status).toBe(200);
    const queued = await t.db.query(`select 1 from pgboss.job where name = 'strava-event'`);
    expect(queued.rows).toHaveLength(1);
  });
});
