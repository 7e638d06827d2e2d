import { Hono } from 'hono';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { stravaWebhookEventSchema } from '../../src/core/strava-webhook-event.ts';
import { readApiSample } from '../support/api-samples.ts';
import { serveStravaSim, startServer, type TestServer } from './strava-helpers.ts';

/**
 * Push subscriptions and event delivery over real HTTP: the simulator on one server, a
 * subscriber (standing in for our webhook endpoint) on another.
 */
interface Subscriber {
  handshakes: Record<string, string>[];
  events: Record<string, unknown>[];
  /** Statuses to answer the next POSTs with (then 200). */
  failNext: number[];
  challenge: 'echo' | 'wrong' | 500;
}

const subscriber: Subscriber = { handshakes: [], events: [], failNext: [], challenge: 'echo' };
let hookServer: TestServer;
let callbackUrl: string;

beforeAll(async () => {
  const hooks = new Hono();
  hooks.get('/webhook', (c) => {
    subscriber.handshakes.push(c.req.query());
    if (subscriber.challenge === 500) return c.text('nope', 500);
    const challenge =
      subscriber.challenge === 'echo' ? c.req.query('hub.challenge') : 'something-else';
    return c.json({ 'hub.challenge': challenge });
  });
  hooks.post('/webhook', async (c) => {
    subscriber.events.push(await c.req.json());
    const status = subscriber.failNext.shift();
    return status ? c.text('busy', status as 500) : c.text('ok');
  });
  hookServer = await startServer(hooks);
  callbackUrl = `${hookServer.url}/webhook`;
});
afterAll(async () => {
  await hookServer.close();
});
beforeEach(() => {
  Object.assign(subscriber, { handshakes: [], events: [], failNext: [], challenge: 'echo' });
});

// Registered after the subscriber: afterAll hooks run in reverse, so the simulator closes
// (flushing its deliveries) while the subscriber still listens.
const env = serveStravaSim({
  athletes: [{ seed: 'webhooks', activityCount: 40 }],
  webhooks: { retryDelayMs: 5 },
});
const { sim, clock, athleteId } = env;

const credentials = { client_id: '12345', client_secret: 'sim-secret' };

function subscribe(extra: Record<string, string> = {}) {
  return fetch(`${env.url}/api/v3/push_subscriptions`, {
    method: 'POST',
    body: new URLSearchParams({
      ...credentials,
      callback_url: callbackUrl,
      verify_token: 'STRAVA',
      ...extra,
    }),
  });
}

describe('push subscriptions', () => {
  it('validates the callback with the hub.challenge handshake, then answers 201 in the real shape', async () => {
    const response = await subscribe();
    expect(response.status).toBe(201);
    expect(subscriber.handshakes).toHaveLength(1);
    expect(subscriber.handshakes[0]).toEqual({
      'hub.verify_token': 'STRAVA',
      'hub.challenge': expect.stringMatching(/^[0-9a-f]{14}$/),
      'hub.mode': 'subscribe',
    });
    const body = (await response.json()) as Record<string, unknown>;
    const fixture = readApiSample<Record<string, unknown>>(
      'strava_push_subscription_create_response.json',
    );
    expect(Object.keys(body)).toEqual(Object.keys(fixture));
    expect(body).toMatchObject({
      resource_state: 2,
      application_id: 12345,
      callback_url: callbackUrl,
    });
    expect(body.created_at).toMatch(/^2026-03-10T12:07:30\.000\d{6}Z$/);
  });

  it('refuses a second subscription, a callback that fails, and a wrong challenge', async () => {
    expect((await subscribe()).status).toBe(201);
    const second = await subscribe();
    expect(second.status).toBe(400);
    expect(await second.json()).toEqual({
      message: 'Bad Request',
      errors: [{ resource: 'PushSubscription', field: '', code: 'already exists' }],
    });
    sim.reset();
    subscriber.challenge = 500;
    const failing = await subscribe();
    expect(failing.status).toBe(400);
    expect(await failing.json()).toEqual({
      message: 'Bad Request',
      errors: [
        {
          resource: 'PushSubscription',
          field: 'callback url',
          code: 'GET to callback URL does not return 200',
        },
      ],
    });
    subscriber.challenge = 'wrong';
    expect((await subscribe()).status).toBe(400);
    const badSecret = await subscribe({ client_secret: 'guess' });
    expect(badSecret.status).toBe(400);
  });

  it('lists and deletes the subscription', async () => {
    const { id } = (await (await subscribe()).json()) as { id: number };
    const list = await fetch(
      `${env.url}/api/v3/push_subscriptions?${new URLSearchParams(credentials)}`,
    );
    expect(list.status).toBe(200);
    expect(((await list.json()) as { id: number }[]).map((s) => s.id)).toEqual([id]);
    const remove = () =>
      fetch(`${env.url}/api/v3/push_subscriptions/${id}?${new URLSearchParams(credentials)}`, {
        method: 'DELETE',
      });
    const deleted = await remove();
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe('');
    expect((await remove()).status).toBe(404);
    const empty = await fetch(
      `${env.url}/api/v3/push_subscriptions?${new URLSearchParams(credentials)}`,
    );
    expect(await empty.json()).toEqual([]);
  });
});

describe('event delivery', () => {
  beforeEach(async () => {
    expect((await subscribe()).status).toBe(201);
    sim.issueTokens(athleteId, ['read', 'activity:read']);
  });

  it('POSTs activity create, update and delete events in the documented shape', async () => {
    const doc = readApiSample<Record<string, unknown>>('strava_webhook_event_activity_update.json');
    const activity = sim.activitiesOf(athleteId).find((a) => a.visibility === 'everyone')!;
    sim.editActivity(activity.id, { name: 'Messy' });
    const created = sim.createActivity(athleteId, { visibility: 'everyone' });
    sim.deleteActivity(activity.id);
    await sim.flushWebhooks();
    expect(subscriber.events).toHaveLength(3);
    const [update, create, remove] = subscriber.events as Record<string, unknown>[];
    expect(Object.keys(update!)).toEqual(Object.keys(doc));
    const subscriptionId = sim.inspect().subscriptions[0]!.id;
    expect(update).toEqual({
      aspect_type: 'update',
      event_time: Math.floor(clock.now() / 1000),
      object_id: activity.id,
      object_type: 'activity',
      owner_id: athleteId,
      subscription_id: subscriptionId,
      updates: { title: 'Messy' },
    });
    expect(create).toMatchObject({ aspect_type: 'create', object_id: created.id, updates: {} });
    expect(remove).toMatchObject({ aspect_type: 'delete', object_id: activity.id, updates: {} });
    for (const event of subscriber.events)
      expect(stravaWebhookEventSchema.safeParse(event).success).toBe(true);
  });

  it('sends type and privacy changes, but nothing for other edits', async () => {
    const activity = sim
      .activitiesOf(athleteId)
      .find((a) => a.visibility === 'everyone' && a.sportType === 'Run')!;
    sim.editActivity(activity.id, { distanceM: 12_345, movingTimeS: 3000 });
    sim.editActivity(activity.id, { sportType: 'TrailRun' });
    sim.editActivity(activity.id, { visibility: 'only_me' });
    sim.editActivity(activity.id, { name: 'hidden rename' });
    sim.editActivity(activity.id, { visibility: 'followers_only' });
    await sim.flushWebhooks();
    expect(subscriber.events.map((e) => e.updates)).toEqual([
      { type: 'TrailRun' },
      { private: 'true' },
      // The rename of an only_me activity is not sent to an activity:read app.
      { private: 'false' },
    ]);
  });

  it('sends the athlete deauthorization event in the captured shape', async () => {
    const fixture = readApiSample<Record<string, unknown>>(
      'strava_webhook_event_athlete_deauthorized.json',
    );
    expect(sim.deauthorize(athleteId)).toBe(true);
    await sim.flushWebhooks();
    expect(subscriber.events).toHaveLength(1);
    const event = subscriber.events[0]!;
    expect(Object.keys(event).sort()).toEqual(Object.keys(fixture).sort());
    expect(event).toMatchObject({
      object_type: 'athlete',
      aspect_type: 'update',
      object_id: athleteId,
      owner_id: athleteId,
      updates: { authorized: 'false' },
    });
    expect(sim.deauthorize(athleteId)).toBe(false);
  });

  it('loses events when told to, and sends none for athletes who never authorized the app', async () => {
    const activity = sim.activitiesOf(athleteId)[0]!;
    sim.deleteActivity(activity.id, { deliverWebhooks: false });
    sim.knobs.deliverWebhooks = false;
    sim.createActivity(athleteId);
    sim.knobs.deliverWebhooks = true;
    const stranger = sim.addAthlete({ seed: 'not-connected', activityCount: 3 });
    sim.createActivity(stranger.id);
    await sim.flushWebhooks();
    expect(subscriber.events).toEqual([]);
    const deliveries = sim.inspect().deliveries;
    expect(deliveries.map((d) => [d.event.aspect_type, d.lost, d.attempts.length])).toEqual([
      ['delete', true, 0],
      ['create', true, 0],
    ]);
  });

  it('retries a failed delivery, three attempts in all', async () => {
    subscriber.failNext = [500, 503];
    sim.createActivity(athleteId);
    await sim.flushWebhooks();
    expect(subscriber.events).toHaveLength(3);
    const [delivery] = sim.inspect().deliveries;
    expect(delivery!.attempts.map((a) => a.status)).toEqual([500, 503, 200]);
    expect(delivery!.delivered).toBe(true);

    subscriber.failNext = [500, 500, 500, 500];
    sim.createActivity(athleteId);
    await sim.flushWebhooks();
    const failed = sim.inspect().deliveries[1]!;
    expect(failed.attempts).toHaveLength(3);
    expect(failed.delivered).toBe(false);
  });
});
