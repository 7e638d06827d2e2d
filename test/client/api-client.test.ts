import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StravaCallbackBody } from '../../src/api/contract.ts';
import { ApiError, createApiClient, fetchLocalSession } from '../../src/client/api-client.ts';
import { PUBLIC_ONLY_NOTE } from '../../src/estimate/backfill-estimate.ts';
import { MAX_STARTS_PER_HOUR } from '../../src/http/routes/syncs.ts';
import { DEMO_USER } from '../../src/wiring/node/demo-user.ts';
import { ALL_FEATURES_ON } from '../support/feature-flags.ts';
import { type ClientHarness, startClientHarness } from './client-harness.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What a promise rejected with; fails the test when it resolved. */
async function rejectionOf(promise: Promise<unknown>): Promise<ApiError> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome))
    throw new Error(`expected a rejection, got ${JSON.stringify(outcome)}`);
  expect(outcome.error).toBeInstanceOf(ApiError);
  return outcome.error as ApiError;
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the API client against the real server', () => {
  let h: ClientHarness;

  beforeAll(async () => {
    h = await startClientHarness();
  });
  afterAll(() => h.close());

  /** `count` runs of `userId`'s, one a day back from 2026-03-01, as a sync would store them. */
  async function storeRuns(userId: string, count: number) {
    for (let i = 0; i < count; i++) {
      await h.t.db.query(
        `insert into activities (id, user_id, athlete_id, name, sport_type, start_date,
           start_date_local, distance_m, moving_time_s, elapsed_time_s, strava_summary)
         values ($1, $2, 1, $3, 'Run', $4::timestamptz, $4::timestamp, 5000, 1500, 1520, '{}')`,
        [
          String(7_000_000_000 + Math.floor(Math.random() * 1e8) * 10 + i),
          userId,
          `Run ${i}`,
          new Date(Date.UTC(2026, 2, 1 - i, 7)).toISOString(),
        ],
      );
    }
  }

  describe('me', () => {
    it('answers who the token names', async () => {
      const { client, userId } = await h.clientFor();
      expect(await client.me()).toEqual({ id: userId, email: null, features: ALL_FEATURES_ON });
    });

    it('turns a 401 into an ApiError with the server’s message, hint and correlation id', async () => {
      const client = createApiClient({ baseUrl: h.server.url, getAccessToken: async () => null });
      const error = await rejectionOf(client.me());
      expect(error).toMatchObject({
        status: 401,
        code: 'missing_token',
        message: 'This request needs a sign-in token (Authorization: Bearer <token>).',
        hint: 'Sign in again.',
        retryAfterS: null,
        isTransient: false,
      });
      expect(error.fields).toBeUndefined();
      expect(error.correlationId).toMatch(UUID);
    });

    it('says so when the token itself cannot be had, and sends nothing', async () => {
      const sent: string[] = [];
      const client = createApiClient({
        baseUrl: h.server.url,
        getAccessToken: () => Promise.reject(new Error('refresh token expired')),
        fetch: (input, init) => {
          sent.push(String(input));
          return fetch(input, init);
        },
      });
      const error = await rejectionOf(client.me());
      expect(error).toMatchObject({ status: 0, code: 'access_token_unavailable' });
      expect(error.hint).toContain('Sign in again');
      expect(sent).toEqual([]);
    });
  });

  describe('network failures', () => {
    it('a closed port is an ApiError with status 0, a plain message and a hint', async () => {
      const client = createApiClient({
        baseUrl: `http://127.0.0.1:${await closedPort()}`,
        getAccessToken: async () => 'token',
      });
      for (const call of [() => client.me(), () => client.startSync(), () => client.activities()]) {
        const error = await rejectionOf(call());
        expect(error).toMatchObject({
          status: 0,
          code: 'network_unreachable',
          message: 'Could not reach the stridesync server.',
          correlationId: null,
          isTransient: true,
        });
        expect(error.hint).toMatch(/connection.*server is running/);
        expect(error.cause).toBeInstanceOf(Error);
      }
    });
  });

  describe('Strava connection', () => {
    it('reports not connected, then connected as the athlete', async () => {
      const { client, userId } = await h.clientFor();
      expect(await client.connection()).toMatchObject({
        status: 'not_connected',
        athlete: null,
        scopes: [],
      });
      await h.connectStrava(userId);
      expect(await client.connection()).toMatchObject({
        status: 'connected',
        athlete: { id: h.strava.athleteId },
        scopes: ['read', 'activity:read_all'],
        missingScopes: [],
      });
    });

    it('gives Strava’s authorize URL with a state for this user', async () => {
      const { client } = await h.clientFor();
      const url = new URL(await client.connectUrl());
      expect(`${url.origin}${url.pathname}`).toBe(`${h.strava.oauthUrl}/authorize`);
      expect(url.searchParams.get('scope')).toBe('read,activity:read_all,profile:read_all');
      expect(url.searchParams.get('state')).toMatch(/^[\w-]+\.[\w-]+$/);
    });

    /** Strava's authorize page for the URL connectUrl gave: where it sends the browser back. */
    async function landingOf(url: string): Promise<StravaCallbackBody> {
      const atStrava = await fetch(url, { redirect: 'manual' });
      const landing = new URL(atStrava.headers.get('location') ?? '');
      expect(landing.pathname).toBe('/');
      const { state = '', ...rest } = Object.fromEntries(landing.searchParams);
      return { state, ...rest };
    }

    it('completes the connection with what Strava put on the address', async () => {
      await h.t.db.query('delete from strava_connections');
      const { client } = await h.clientFor();
      const landing = await landingOf(await client.connectUrl());
      expect(await client.completeConnect(landing)).toMatchObject({
        status: 'connected',
        athlete: { id: h.strava.athleteId },
        missingScopes: [],
      });
      expect((await client.connection()).status).toBe('connected');
    });

    it('refuses to complete another user’s authorization, or a denied one', async () => {
      await h.t.db.query('delete from strava_connections');
      const starter = await h.clientFor();
      const victim = await h.clientFor();
      const landing = await landingOf(await starter.client.connectUrl());
      expect(await rejectionOf(victim.client.completeConnect(landing))).toMatchObject({
        status: 400,
        code: 'strava_state_not_yours',
        hint: 'Start connecting Strava from your own dashboard.',
      });
      expect((await victim.client.connection()).status).toBe('not_connected');
      expect((await starter.client.connection()).status).toBe('not_connected');

      h.strava.sim.knobs.authorizeDecision = 'deny';
      try {
        const denied = await landingOf(await victim.client.connectUrl());
        expect(await rejectionOf(victim.client.completeConnect(denied))).toMatchObject({
          status: 409,
          code: 'strava_access_denied',
          message: 'Strava was not connected: access was not granted.',
        });
      } finally {
        h.strava.sim.knobs.authorizeDecision = 'approve';
      }
      // Checked before sending, as the server would: a state alone is not Strava's answer.
      expect(await rejectionOf(victim.client.completeConnect({ state: 's' }))).toMatchObject({
        status: 400,
        code: 'invalid_body',
        correlationId: null,
      });
    });

    it('disconnects, purging the runs when asked', async () => {
      const { client, userId } = await h.clientFor();
      await h.connectStrava(userId);
      await storeRuns(userId, 2);
      expect(await client.disconnect({ purge: true })).toEqual({
        disconnected: true,
        purgedActivities: 2,
      });
      expect((await client.connection()).status).toBe('not_connected');
      expect((await client.activities()).items).toEqual([]);
    });

    it('refuses all four to a token the server does not accept', async () => {
      const { client } = await h.clientFor();
      const forged = createApiClient({
        baseUrl: h.server.url,
        getAccessToken: async () => 'not-a-token',
      });
      for (const call of [
        forged.connection,
        forged.connectUrl,
        () => forged.completeConnect({ state: 'a.b', code: 'c' }),
        () => forged.disconnect(),
      ]) {
        expect(await rejectionOf(call())).toMatchObject({ status: 401, hint: 'Sign in again.' });
      }
      expect((await client.connection()).status).toBe('not_connected');
    });
  });

  describe('estimate', () => {
    it('counts the backfill from Strava’s totals when connected', async () => {
      const { client, userId } = await h.clientFor();
      await h.connectStrava(userId);
      const estimate = await client.estimate();
      // Strava's totals count public runs only, and the estimate says so.
      expect(estimate.activities).toMatchObject({
        basis: 'strava_totals',
        stored: 0,
        note: PUBLIC_ONLY_NOTE,
      });
      expect(estimate.activities.expected).toBeGreaterThan(0);
      expect(estimate.strava.calls).toBeGreaterThan(0);
    });

    it('carries a 503 from a server that cannot estimate', async () => {
      const variant = await h.startVariant({ estimate: undefined });
      const { client } = await h.clientFor({ baseUrl: variant.url });
      const error = await rejectionOf(client.estimate());
      expect(error).toMatchObject({ status: 503, isTransient: true });
      expect(error.message).not.toBe('');
      expect(error.hint).not.toBe('');
      expect(error.correlationId).toMatch(UUID);
    });
  });

  describe('syncs', () => {
    it('refuses to start without Strava, saying what to do', async () => {
      const { client } = await h.clientFor();
      const error = await rejectionOf(client.startSync());
      expect(error).toMatchObject({ status: 409, code: 'strava_not_connected' });
      expect(error.hint).toMatch(/Connect Strava/i);
    });

    it('starts a sync (created), then returns the active one (not created)', async () => {
      const { client, userId } = await h.clientFor();
      await h.connectStrava(userId);
      const first = await client.startSync();
      expect(first).toMatchObject({
        created: true,
        session: { kind: 'backfill', status: 'queued', cancelRequested: false },
      });
      expect(first.session.updatedAt).toEqual(expect.any(String));
      const again = await client.startSync('incremental');
      expect(again).toMatchObject({ created: false, session: { id: first.session.id } });
    });

    it('refuses a kind the server would refuse, without sending it', async () => {
      const sent: string[] = [];
      const { token, userId } = await h.clientFor();
      await h.connectStrava(userId);
      const client = createApiClient({
        baseUrl: h.server.url,
        getAccessToken: async () => token,
        fetch: (input, init) => {
          sent.push(String(input));
          return fetch(input, init);
        },
      });
      const error = await rejectionOf(client.startSync('everything' as 'backfill'));
      expect(error).toMatchObject({
        status: 400,
        code: 'invalid_body',
        hint: 'Fix the request and send it again.',
        correlationId: null,
        fields: [{ path: 'body.kind', message: expect.any(String) }],
      });
      expect(error.message).toMatch(/^The request body is not valid: body\.kind: /);
      expect(sent).toEqual([]);
    });

    it('carries a 429 with Retry-After as retryAfterS', async () => {
      const { client, userId } = await h.clientFor();
      await h.connectStrava(userId);
      for (let i = 0; i < MAX_STARTS_PER_HOUR; i++) {
        await h.t.db.query(
          `insert into sync_sessions (user_id, kind, status, correlation_id, finished_at)
           values ($1, 'incremental', 'completed', 'earlier', now())`,
          [userId],
        );
      }
      const error = await rejectionOf(client.startSync());
      expect(error).toMatchObject({ status: 429, code: 'sync_starts_limited', isTransient: true });
      expect(error.retryAfterS).toBeGreaterThan(3_500);
      expect(error.retryAfterS).toBeLessThanOrEqual(3_600);
      expect(error.hint).toMatch(/try again later/);
    });

    it('lists, reads and cancels one’s own syncs', async () => {
      const { client, queuedSession } = await h.clientFor();
      const id = await queuedSession();
      expect((await client.listSyncs()).map((s) => s.id)).toEqual([id]);
      expect(await client.listSyncs(1)).toHaveLength(1);
      expect(await client.getSync(id)).toMatchObject({ id, status: 'queued' });
      expect(await client.cancelSync(id)).toMatchObject({
        id,
        status: 'cancelled',
        cancelRequested: true,
      });
    });

    it('refuses a list limit out of range locally, as the server would', async () => {
      const { client } = await h.clientFor();
      const error = await rejectionOf(client.listSyncs(0));
      expect(error).toMatchObject({
        status: 400,
        code: 'invalid_query',
        fields: [{ path: 'query.limit', message: expect.any(String) }],
      });
    });

    it('answers 404 for someone else’s sync and for an unknown id', async () => {
      const owner = await h.clientFor();
      const id = await owner.queuedSession();
      const { client } = await h.clientFor();
      for (const call of [
        () => client.getSync(id),
        () => client.getSync('no-such-id'),
        () => client.cancelSync(id),
      ]) {
        const error = await rejectionOf(call());
        expect(error).toMatchObject({
          status: 404,
          code: 'sync_not_found',
          message: 'There is no such sync for your account.',
          hint: 'Check the link, or start a new sync from the dashboard.',
        });
        expect(error.correlationId).toMatch(UUID);
      }
      expect(await owner.client.getSync(id)).toMatchObject({ status: 'queued' });
    });

    it('refuses to cancel a sync that has ended, saying why', async () => {
      const { client, queuedSession } = await h.clientFor();
      const id = await queuedSession();
      await client.cancelSync(id);
      expect(await rejectionOf(client.cancelSync(id))).toMatchObject({
        status: 409,
        code: 'illegal_session_transition',
        message: 'This sync has already been cancelled.',
        hint: 'Start a new sync to pick up anything newer.',
      });
    });
  });

  describe('activities', () => {
    it('pages through the runs, newest first', async () => {
      const { client, userId } = await h.clientFor();
      await storeRuns(userId, 3);
      const first = await client.activities({ limit: 2 });
      expect(first.items.map((run) => run.name)).toEqual(['Run 0', 'Run 1']);
      expect(first.nextCursor).toEqual(expect.any(String));
      const second = await client.activities({ limit: 2, cursor: first.nextCursor ?? '' });
      expect(second).toMatchObject({ items: [{ name: 'Run 2' }], nextCursor: null });
      const filtered = await client.activities({ from: '2026-02-28', to: '2026-02-28' });
      expect(filtered.items.map((run) => run.name)).toEqual(['Run 1']);
    });

    it('carries the server’s field errors for a cursor it never gave out', async () => {
      const { client } = await h.clientFor();
      const error = await rejectionOf(client.activities({ cursor: 'made-up' }));
      expect(error).toMatchObject({
        status: 400,
        code: 'invalid_query',
        fields: [{ path: 'query.cursor', message: 'is not a cursor this API gave out' }],
        hint: 'Fix the request and send it again.',
      });
      expect(error.correlationId).toMatch(UUID);
    });

    it('refuses locally what the contract refuses: a page too large, a date that is not one', async () => {
      const { client } = await h.clientFor();
      const error = await rejectionOf(client.activities({ limit: 500, from: '1 March' }));
      expect(error).toMatchObject({ status: 400, code: 'invalid_query', correlationId: null });
      expect(error.fields?.map((field) => field.path)).toEqual(['query.limit', 'query.from']);
    });

    it('gives the stats the charts draw', async () => {
      const { client, userId } = await h.clientFor();
      await storeRuns(userId, 3);
      const stats = await client.activityStats();
      expect(stats.months).toEqual([
        { month: '2026-02', runs: 2, distanceM: 10_000, movingTimeS: 3_000 },
        { month: '2026-03', runs: 1, distanceM: 5_000, movingTimeS: 1_500 },
      ]);
      expect(stats.paceVsTemperature).toEqual([]);
    });

    it('refuses both to a request without a token', async () => {
      const client = createApiClient({ baseUrl: h.server.url, getAccessToken: async () => null });
      for (const call of [() => client.activities(), client.activityStats]) {
        expect(await rejectionOf(call())).toMatchObject({ status: 401, code: 'missing_token' });
      }
    });
  });

  describe('the local session', () => {
    it('hands out a token the rest of the API accepts', async () => {
      const local = await fetchLocalSession({ baseUrl: h.server.url });
      expect(local).toMatchObject({ user: { id: DEMO_USER.id }, accessToken: expect.any(String) });
      const client = createApiClient({
        baseUrl: h.server.url,
        getAccessToken: async () => local?.accessToken ?? null,
      });
      expect((await client.me()).id).toBe(DEMO_USER.id);
    });

    it('is null where the server signs no local tokens (404)', async () => {
      const variant = await h.startVariant({ localSession: undefined });
      expect(await fetchLocalSession({ baseUrl: variant.url })).toBeNull();
    });

    it('fails plainly when the server cannot be reached', async () => {
      const error = await rejectionOf(
        fetchLocalSession({ baseUrl: `http://127.0.0.1:${await closedPort()}` }),
      );
      expect(error).toMatchObject({ status: 0, code: 'network_unreachable' });
    });
  });
}, 60_000);
