import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createStravaSimulator, type StravaSimulator } from '../../sim/strava/index.ts';
import { systemClock } from '../../src/core/clock.ts';
import { createApp } from '../../src/http/app.ts';
import { createJwtVerifier } from '../../src/http/jwt.ts';
import { type RunningServer, startServer } from '../../src/http/node-server.ts';
import { EVENT_QUEUED_HEADER } from '../../src/http/routes/strava-webhook.ts';
import { type JobQueue, openJobQueue } from '../../src/queue/job-queue.ts';
import { pushSubscriptionStore } from '../../src/store/push-subscription-store.ts';
import { createPushSubscriptionsApi } from '../../src/strava/push-subscriptions.ts';
import { startServer as startSimServer, type TestServer } from '../sim/strava-helpers.ts';
import { readApiSample } from '../support/api-samples.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';
import { captureLogs, errorOf, JWT_SECRET } from './test-app.ts';

const VERIFY_TOKEN = 'webhook-verify-token';

describe('the Strava webhook', () => {
  let t: TestDatabase;
  let queue: JobQueue;
  let server: RunningServer;
  let sim: StravaSimulator;
  let simServer: TestServer;
  const logs = captureLogs();
  const sample = readApiSample<Record<string, unknown>>(
    'strava_webhook_event_activity_update.json',
  );

  beforeAll(async () => {
    t = await createTestDatabase('postgres');
    queue = await openJobQueue(t.db, { logger: logs.logger, work: false });
    const app = createApp({
      db: t.db,
      clock: systemClock,
      logger: logs.logger,
      auth: createJwtVerifier({ secret: JWT_SECRET }),
      queue,
      webhookVerifyToken: VERIFY_TOKEN,
    });
    server = await startServer(app, { port: 0 });
    sim = createStravaSimulator({
      athletes: [{ seed: 'webhook-runner', activityCount: 30, years: 1 }],
    });
    simServer = await startSimServer(sim.app);
  });
  beforeEach(async () => {
    await t.db.exec(
      `delete from strava_push_subscription; delete from strava_connections;
       delete from api_budget; delete from pgboss.job where name = 'strava-event'`,
    );
    logs.lines.length = 0;
  });
  afterAll(async () => {
    await sim.close();
    await simServer.close();
    await server.close();
    await queue.stop({ timeoutMs: 0 });
    await t.dispose();
  });

  const queuedEvents = async () =>
    (
      await t.db.query<{
        data: { event: { object_id: string }; correlationId: string };
        singleton_key: string;
      }>(
        `select data, singleton_key from pgboss.job where name = 'strava-event' order by created_on`,
      )
    ).rows;
  const post = (event: unknown) =>
    fetch(`${server.url}/api/strava/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(event),
    });
  /** A runner connected to `athleteId`, as the Strava callback would leave them. */
  async function connect(athleteId: string | number) {
    const userId = await insertUser(t.db);
    await t.db.query(
      `insert into strava_connections
         (user_id, athlete_id, scopes, access_token_enc, refresh_token_enc, token_key_version, expires_at)
       values ($1, $2, '{read,activity:read_all}', 'a', 'r', 1, now() + interval '6 hours')`,
      [userId, String(athleteId)],
    );
    return userId;
  }
  const dropped = () =>
    logs.entries().filter((e) => e.msg === 'strava event dropped') as Record<string, unknown>[];

  it('answers the handshake only for its verify token', async () => {
    const ok = await fetch(
      `${server.url}/api/strava/webhook?hub.mode=subscribe&hub.challenge=15f7d1a91c1f40f8a748fd134752feb3&hub.verify_token=${VERIFY_TOKEN}`,
    );
    expect(await ok.json()).toEqual({ 'hub.challenge': '15f7d1a91c1f40f8a748fd134752feb3' });
    const wrong = await fetch(
      `${server.url}/api/strava/webhook?hub.mode=subscribe&hub.challenge=x&hub.verify_token=guess`,
    );
    expect(wrong.status).toBe(401);
    expect((await errorOf(wrong)).code).toBe('webhook_verify_token_mismatch');
  });

  it('queues the documented event of its subscription and connected athlete, and acknowledges it', async () => {
    await pushSubscriptionStore.save(t.db, { id: '120475', callbackUrl: 'https://x.test/hook' });
    await connect(134815);
    const response = await post(sample);
    expect(response.status).toBe(200);
    expect(response.headers.get(EVENT_QUEUED_HEADER)).toBe('true');
    expect((await queuedEvents()).map((r) => r.data.event.object_id)).toEqual(['1360128428']);
    // The job carries the webhook request's correlation id, for the session it starts.
    expect((await queuedEvents())[0]?.data.correlationId).toMatch(/^[\w-]{36}$/);
  });

  it('drops every event while no subscription is stored: 200, a warning, nothing queued', async () => {
    await connect(134815);
    const response = await post(sample);
    expect(response.status).toBe(200);
    expect(response.headers.has(EVENT_QUEUED_HEADER)).toBe(false);
    expect(await queuedEvents()).toEqual([]);
    expect(dropped()).toEqual([
      expect.objectContaining({
        level: 40,
        dropped: 'no_subscription',
        subscriptionId: '120475',
        ownerId: '134815',
        correlationId: expect.any(String),
      }),
    ]);
  });

  it('drops events naming another subscription, answering 200 so Strava does not retry', async () => {
    await pushSubscriptionStore.save(t.db, { id: '555', callbackUrl: 'https://x.test/hook' });
    const userId = await connect(134815);
    const forged = {
      aspect_type: 'update',
      object_type: 'athlete',
      object_id: 134815,
      owner_id: 134815,
      subscription_id: 120475,
      updates: { authorized: 'false' },
      event_time: 1_773_000_000,
    };
    const response = await post(forged);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true });
    expect(await queuedEvents()).toEqual([]);
    expect(dropped()).toEqual([
      expect.objectContaining({
        level: 40,
        dropped: 'wrong_subscription',
        subscriptionId: '120475',
        expectedSubscriptionId: '555',
        ownerId: '134815',
      }),
    ]);
    const { rows } = await t.db.query(
      'select revoked_at from strava_connections where user_id = $1',
      [userId],
    );
    expect(rows).toEqual([{ revoked_at: null }]);
  });

  it('drops events of athletes who are not connected', async () => {
    await pushSubscriptionStore.save(t.db, { id: '120475', callbackUrl: 'https://x.test/hook' });
    expect((await post(sample)).status).toBe(200);
    expect(await queuedEvents()).toEqual([]);
    expect(dropped().map((e) => e.dropped)).toEqual(['not_connected']);
  });

  it('queues one job per (owner, object, aspect) while one waits, and caps an athlete at 60 per window', async () => {
    await pushSubscriptionStore.save(t.db, { id: '120475', callbackUrl: 'https://x.test/hook' });
    await connect(134815);
    for (let i = 0; i < 5; i++) expect((await post(sample)).status).toBe(200);
    await post({ ...sample, aspect_type: 'delete', updates: {} });
    expect((await queuedEvents()).map((r) => r.singleton_key)).toEqual([
      '134815:activity:1360128428:update',
      '134815:activity:1360128428:delete',
    ]);
    expect(dropped().map((e) => e.dropped)).toEqual(Array(4).fill('duplicate'));
    const answers = await Promise.all(
      Array.from({ length: 70 }, (_, i) => post({ ...sample, object_id: 2_000_000 + i })),
    );
    expect(answers.every((r) => r.status === 200)).toBe(true);
    // 6 events counted before, 54 more fit in the athlete's 60.
    expect(await queuedEvents()).toHaveLength(2 + 54);
    expect(dropped().filter((e) => e.dropped === 'athlete_rate')).toHaveLength(16);
  });

  it('subscribes at Strava with the handshake, stores the id, then receives what changes there', async () => {
    const strava = createPushSubscriptionsApi({
      apiUrl: `${simServer.url}/api/v3`,
      clientId: sim.defaultApp.clientId,
      clientSecret: sim.defaultApp.clientSecret,
    });
    const created = await strava.create(`${server.url}/api/strava/webhook`, VERIFY_TOKEN);
    await pushSubscriptionStore.save(t.db, created);
    const athlete = [...sim.athletes.keys()][0]!;
    await connect(athlete);
    sim.issueTokens(athlete, ['read', 'activity:read_all']);
    const activity = sim.activitiesOf(athlete).at(-1)!;
    sim.editActivity(activity.id, { name: 'Renamed on Strava' });
    await sim.flushWebhooks();
    expect((await queuedEvents()).map((r) => String(r.data.event.object_id))).toEqual([
      String(activity.id),
    ]);
    expect(await strava.remove(created.id)).toBe('deleted');
  });
});
