import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_LEASE_TTL_MS } from '../../src/config/defaults.ts';
import { createApp } from '../../src/http/app.ts';
import { createJwtVerifier } from '../../src/http/jwt.ts';
import { type RunningServer, startServer } from '../../src/http/node-server.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { type JobQueue, openJobQueue, QUEUES } from '../../src/queue/job-queue.ts';
import { handleStravaEvent } from '../../src/queue/strava-event-job.ts';
import { opsStore } from '../../src/store/ops-store.ts';
import { pushSubscriptionStore } from '../../src/store/push-subscription-store.ts';
import { createPushSubscriptionsApi } from '../../src/strava/push-subscriptions.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';
import { type StravaHarness, startStravaHarness } from '../support/strava-harness.ts';
import { runToEnd, startSession, syncDeps } from '../sync/sync-harness.ts';
import { JWT_SECRET } from './test-app.ts';

const VERIFY_TOKEN = 'trust-verify-token';

/**
 * Webhook events end to end: the route, the queue, the event job and the session that applies
 * it, against the Strava simulator, whose push subscription was made through our handshake.
 * Forged events (same subscription id, public athlete and activity ids) must change nothing and
 * spend little; real ones still apply.
 */
describe('trusting Strava webhook events', () => {
  let t: TestDatabase;
  let h: StravaHarness;
  let queue: JobQueue;
  let server: RunningServer;
  let subscriptionId: string;
  let userId: string;
  let athlete: number;

  beforeAll(async () => {
    t = await createTestDatabase('postgres');
    h = await startStravaHarness(t.db, { activityCount: 60 });
    athlete = Number(h.athleteId);
    queue = await openJobQueue(t.db, { logger: createLogger('silent'), work: false });
    const app = createApp({
      db: t.db,
      clock: h.clock,
      logger: createLogger('silent'),
      auth: createJwtVerifier({ secret: JWT_SECRET }),
      queue,
      webhookVerifyToken: VERIFY_TOKEN,
    });
    server = await startServer(app, { port: 0 });
  });
  beforeEach(async () => {
    h.sim.reset();
    await t.db.exec(
      `delete from strava_connections; delete from activities; delete from sync_sessions;
       delete from strava_push_subscription; delete from pgboss.job`,
    );
    const created = await createPushSubscriptionsApi({
      apiUrl: h.apiUrl,
      clientId: h.sim.defaultApp.clientId,
      clientSecret: h.sim.defaultApp.clientSecret,
    }).create(`${server.url}/api/strava/webhook`, VERIFY_TOKEN);
    subscriptionId = (await pushSubscriptionStore.save(t.db, created)).id;
    userId = await insertUser(t.db);
    await h.connect(userId);
    await runToEnd(syncDeps(t.db, h), (await startSession(t.db, userId)).id);
    h.clock.advance(15 * 60_000); // a fresh Strava window for what each test spends
  });
  afterAll(async () => {
    await h.close();
    await server.close();
    await queue.stop({ timeoutMs: 0 });
    await t.dispose();
  });

  const post = (event: Record<string, unknown>) =>
    fetch(`${server.url}/api/strava/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        subscription_id: Number(subscriptionId),
        event_time: Math.floor(h.clock.now() / 1000),
        updates: {},
        ...event,
      }),
    });

  /**
   * What the worker does with the event jobs queued now: each applied as a session, run once.
   * (Events deferred behind an active session of the user are left for later.)
   */
  async function workEvents(purgeOnDeauthorize = false) {
    const deps = syncDeps(t.db, h, { purgeOnDeauthorize });
    const batch = (await queue.boss.fetch(QUEUES.stravaEvent, { batchSize: 500 })) ?? [];
    for (const job of batch) {
      const result = await handleStravaEvent(t.db, queue, job.data, {
        jobId: job.id,
        nowMs: h.clock.now(),
      });
      if (result.outcome === 'started') {
        await runSync(deps, {
          sessionId: result.sessionId,
          owner: 'event-worker',
          deadlineMs: Number.MAX_SAFE_INTEGER,
          leaseTtlMs: DEFAULT_LEASE_TTL_MS,
        });
      }
      await queue.boss.complete(QUEUES.stravaEvent, job.id);
    }
    return batch.length;
  }
  const lastAction = async () =>
    (
      await t.db.query<{ action: string }>(
        `select payload->>'action' as action from sync_events
         where type = 'event:applied' order by id desc limit 1`,
      )
    ).rows[0]?.action;
  const connection = async () =>
    (
      await t.db.query<{ revoked_at: Date | null; has_token: boolean }>(
        `select revoked_at, access_token_enc is not null as has_token
         from strava_connections where user_id = $1`,
        [userId],
      )
    ).rows[0];
  const storedRuns = async () =>
    (
      await t.db.query<{ id: string; deleted_at: Date | null }>(
        'select id, deleted_at from activities where user_id = $1 order by id',
        [userId],
      )
    ).rows;
  const aStoredRun = async () => (await storedRuns())[0]!.id;
  const budget = async (bucket: string) =>
    (
      await t.db.query<{ used_count: number; limit_count: number }>(
        `select used_count, limit_count from api_budget
         where provider = 'strava' and bucket = $1 and window_end > $2`,
        [bucket, new Date(h.clock.now()).toISOString()],
      )
    ).rows[0];

  it('a forged deauthorization changes nothing: Strava still accepts the token', async () => {
    const response = await post({
      aspect_type: 'update',
      object_type: 'athlete',
      object_id: athlete,
      owner_id: athlete,
      updates: { authorized: 'false' },
    });
    expect(response.status).toBe(200);
    const before = await storedRuns();
    expect(await workEvents(true)).toBe(1);
    expect(await lastAction()).toBe('unconfirmed');
    expect(await connection()).toEqual({ revoked_at: null, has_token: true });
    expect(await storedRuns()).toEqual(before);
  });

  it('a forged delete changes nothing: Strava still has the run', async () => {
    const id = await aStoredRun();
    await post({
      aspect_type: 'delete',
      object_type: 'activity',
      object_id: id,
      owner_id: athlete,
    });
    expect(await workEvents()).toBe(1);
    expect(await lastAction()).toBe('unconfirmed');
    expect((await storedRuns()).find((r) => r.id === id)?.deleted_at).toBeNull();
  });

  it.each([
    [true, 'purges'],
    [false, 'keeps'],
  ])('a real deauthorization (PURGE_ON_DEAUTHORIZE=%s) revokes and %s the runs', async (purge) => {
    const runs = (await storedRuns()).length;
    expect(runs).toBeGreaterThan(0);
    expect(h.sim.deauthorize(athlete)).toBe(true); // tokens revoked, then the event sent
    await h.sim.flushWebhooks();
    expect(await workEvents(purge)).toBe(1);
    expect(await lastAction()).toBe('revoked');
    expect(await connection()).toEqual({ revoked_at: expect.any(Date), has_token: false });
    expect(await storedRuns()).toHaveLength(purge ? 0 : runs);
  });

  it('a real delete (deleted at Strava) soft-deletes the run', async () => {
    const id = await aStoredRun();
    h.sim.deleteActivity(Number(id));
    await h.sim.flushWebhooks();
    expect(await workEvents()).toBe(1);
    expect(await lastAction()).toBe('deleted');
    expect((await storedRuns()).find((r) => r.id === id)?.deleted_at).toBeInstanceOf(Date);
  });

  it('a flood of 150 forged creates in 3 s queues a bounded number of jobs and spends at most a fifth of the read window', async () => {
    const real = h.sim.activitiesOf(athlete).map((a) => a.id);
    const events = Array.from({ length: 150 }, (_, i) =>
      i % 4 === 0
        ? // unknown athletes
          { owner_id: 90_000_000 + i, object_id: 5_000_000 + i }
        : // the real athlete: repeated ids, real and made up
          { owner_id: athlete, object_id: i % 3 === 0 ? real[i % 20]! : 7_000_000 + (i % 80) },
    );
    const counted = async () =>
      Object.fromEntries(
        (await opsStore.counters(t.db))
          .filter((r) => r.name === 'stridesync_webhook_events_total')
          .map((r) => [r.labels, r.value]),
      );
    const countedBefore = await counted();
    const answers = await Promise.all(
      events.map((e) => post({ aspect_type: 'create', object_type: 'activity', ...e })),
    );
    expect(answers.every((r) => r.status === 200)).toBe(true);
    // Every event is counted once, accepted or dropped with its reason.
    const countedAfter = await counted();
    const delta = (labels: string) => (countedAfter[labels] ?? 0) - (countedBefore[labels] ?? 0);
    const total = Object.keys(countedAfter).reduce((sum, labels) => sum + delta(labels), 0);
    expect(total).toBe(150);
    expect(delta('reason="not_connected",result="dropped"')).toBe(38);
    expect(delta('reason="queued",result="accepted"')).toBeGreaterThan(0);
    const { rows } = await t.db.query<{ n: number }>(
      `select count(*)::int as n from pgboss.job where name = 'strava-event'`,
    );
    expect(rows[0]!.n).toBeGreaterThan(0);
    expect(rows[0]!.n).toBeLessThanOrEqual(60); // the athlete's cap; none for strangers
    const readsBefore = h.sim.inspect().byEndpoint['GET /api/v3/activities/{id}'];
    await workEvents();
    const events15 = await budget('events:15min');
    expect(events15).toEqual({ used_count: 20, limit_count: 20 });
    expect((await budget('read:15min'))!.used_count).toBeLessThanOrEqual(20);
    const reads = h.sim.inspect().byEndpoint['GET /api/v3/activities/{id}'];
    const spent = Object.values(reads ?? {}).reduce((a, b) => a + b, 0);
    const spentBefore = Object.values(readsBefore ?? {}).reduce((a, b) => a + b, 0);
    expect(spent - spentBefore).toBeLessThanOrEqual(20);
  });
});
