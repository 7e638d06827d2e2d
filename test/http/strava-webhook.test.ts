import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStravaSimulator, type StravaSimulator } from '../../sim/strava/index.ts';
import { systemClock } from '../../src/core/clock.ts';
import { createApp } from '../../src/http/app.ts';
import { createJwtVerifier } from '../../src/http/jwt.ts';
import { type RunningServer, startServer } from '../../src/http/node-server.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { type JobQueue, openJobQueue } from '../../src/queue/job-queue.ts';
import { startServer as startSimServer, type TestServer } from '../sim/strava-helpers.ts';
import { readApiSample } from '../support/api-samples.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { errorOf, JWT_SECRET } from './test-app.ts';

const VERIFY_TOKEN = 'webhook-verify-token';

describe('the Strava webhook', () => {
  let t: TestDatabase;
  let queue: JobQueue;
  let server: RunningServer;
  let sim: StravaSimulator;
  let simServer: TestServer;

  beforeAll(async () => {
    t = await createTestDatabase('postgres');
    queue = await openJobQueue(t.db, { logger: createLogger('silent'), work: false });
    const app = createApp({
      db: t.db,
      clock: systemClock,
      logger: createLogger('silent'),
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
  afterAll(async () => {
    await sim.close();
    await simServer.close();
    await server.close();
    await queue.stop({ timeoutMs: 0 });
    await t.dispose();
  });

  const queuedEvents = async () =>
    (
      await t.db.query<{ data: { object_id: string } }>(
        `select data from pgboss.job where name = 'strava-event' order by created_on`,
      )
    ).rows;

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

  it('queues the documented event and acknowledges it', async () => {
    const response = await fetch(`${server.url}/api/strava/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(readApiSample('strava_webhook_event_activity_update.json')),
    });
    expect(response.status).toBe(200);
    expect((await queuedEvents()).map((r) => r.data.object_id)).toContain('1360128428');
  });

  it('refuses a body that is not a Strava event, queueing nothing', async () => {
    const before = (await queuedEvents()).length;
    const response = await fetch(`${server.url}/api/strava/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ object_type: 'club', aspect_type: 'update' }),
    });
    expect(response.status).toBe(400);
    expect((await queuedEvents()).length).toBe(before);
  });

  it('subscribes at Strava with the handshake, then receives what changes there', async () => {
    const form = new URLSearchParams({
      client_id: sim.defaultApp.clientId,
      client_secret: sim.defaultApp.clientSecret,
      callback_url: `${server.url}/api/strava/webhook`,
      verify_token: VERIFY_TOKEN,
    });
    const created = await fetch(`${simServer.url}/api/v3/push_subscriptions`, {
      method: 'POST',
      body: form,
    });
    expect(created.status).toBe(201);
    const athlete = [...sim.athletes.keys()][0]!;
    sim.issueTokens(athlete, ['read', 'activity:read_all']);
    const activity = sim.activitiesOf(athlete).at(-1)!;
    sim.editActivity(activity.id, { name: 'Renamed on Strava' });
    await sim.flushWebhooks();
    expect((await queuedEvents()).map((r) => String(r.data.object_id))).toContain(
      String(activity.id),
    );
  });
});
