import { describe, expect, it } from 'vitest';
import { createStravaSimulator, type Inspection } from '../../sim/strava/index.ts';
import { bearer, serveStravaSim } from './strava-helpers.ts';

/**
 * The /_sim admin routes, over real HTTP with the simulator mounted under a prefix the way
 * the lead composes simulators (`root.route('/strava', sim.app)`).
 */
const env = serveStravaSim({ prefix: '/strava' });
const { sim } = env;

async function post<T = Record<string, unknown>>(
  path: string,
  body: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${env.url}/_sim${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

async function addAthlete(seed = 'admin') {
  const { status, body } = await post<{ id: number; activityCount: number }>('/athletes', {
    seed,
    activityCount: 40,
    years: 1,
  });
  expect(status).toBe(201);
  return body;
}

describe('admin routes', () => {
  it('report base URLs under the mount prefix, and the world', async () => {
    const athlete = await addAthlete();
    const state = (await (await fetch(`${env.url}/_sim/state`)).json()) as {
      baseUrls: unknown;
      now: string;
      apps: unknown[];
      athletes: unknown[];
      knobs: { afterOnlyOrder: string };
    };
    expect(state.baseUrls).toEqual({
      api: `${env.origin}/strava/api/v3`,
      oauth: `${env.origin}/strava/oauth`,
      admin: `${env.origin}/strava/_sim`,
    });
    expect(state.now).toBe('2026-03-10T12:07:30.000Z');
    expect(state.apps).toEqual([
      {
        clientId: '12345',
        clientSecret: 'sim-secret',
        name: 'stridesync (simulated)',
        callbackDomain: 'localhost',
        active: true,
      },
    ]);
    expect(state.athletes).toEqual([
      expect.objectContaining({ id: athlete.id, activityCount: 40 }),
    ]);
    expect(state.knobs.afterOnlyOrder).toBe('ascending');
  });

  it('issue tokens, count requests by endpoint without the prefix, and list activities', async () => {
    const athlete = await addAthlete();
    const { body: tokens } = await post<{ access_token: string }>('/tokens', {
      athleteId: athlete.id,
      scopes: ['activity:read_all'],
    });
    const page = await fetch(`${env.url}/api/v3/athlete/activities`, {
      headers: bearer(tokens.access_token),
    });
    expect(page.status).toBe(200);
    const inspect = (await (await fetch(`${env.url}/_sim/inspect`)).json()) as Inspection;
    expect(inspect.byEndpoint).toEqual({ 'GET /api/v3/athlete/activities': { '200': 1 } });
    expect(inspect.rateLimits['12345']!.usage.read.fifteenMinute).toBe(1);
    const all = (await (
      await fetch(`${env.url}/_sim/athletes/${athlete.id}/activities`)
    ).json()) as unknown[];
    expect(all).toHaveLength(40);
    expect((await fetch(`${env.url}/_sim/athletes/1/activities`)).status).toBe(404);
  });

  it('set and reset faults and knobs', async () => {
    const faults = await post('/faults', { errorRates: { 503: 1 }, latencyMs: 5 });
    expect(faults.status).toBe(200);
    expect(faults.body).toMatchObject({ errorRates: { 503: 1 }, latencyMs: 5 });
    expect(sim.faults.settings.errorRates[503]).toBe(1);
    expect((await post('/faults', { errorRate: 1 })).status).toBe(400);
    expect((await post('/faults/reset', {})).body).toMatchObject({ errorRates: {}, latencyMs: 0 });

    const knobs = await post('/knobs', {
      authorizeDecision: { grant: ['activity:read'] },
      afterOnlyOrder: 'descending',
    });
    expect(knobs.body).toMatchObject({
      authorizeDecision: { grant: ['activity:read'] },
      afterOnlyOrder: 'descending',
    });
    expect(sim.knobs.afterOnlyOrder).toBe('descending');
    expect((await post('/knobs', { authorizeDecision: { grant: ['everything'] } })).status).toBe(
      400,
    );
  });

  it('apply mutations, which the API then shows', async () => {
    const athlete = await addAthlete();
    const { body: tokens } = await post<{ access_token: string }>('/tokens', {
      athleteId: athlete.id,
    });
    const newest = sim.activitiesOf(athlete.id).at(-1)!;
    const edit = await post<{ result: { name: string } }>('/mutations', {
      type: 'edit',
      activityId: newest.id,
      patch: { name: 'Edited over HTTP' },
    });
    expect(edit.status).toBe(200);
    expect(edit.body.result.name).toBe('Edited over HTTP');
    const detail = await fetch(`${env.url}/api/v3/activities/${newest.id}`, {
      headers: bearer(tokens.access_token),
    });
    expect(((await detail.json()) as { name: string }).name).toBe('Edited over HTTP');

    const churn = await post<{
      result: { edited: number[]; deleted: number[]; created: number[] };
    }>('/mutations', {
      type: 'churn',
      athleteId: athlete.id,
      edits: 2,
      deletions: 3,
      creations: 4,
    });
    expect(churn.body.result.deleted).toHaveLength(3);
    expect(churn.body.result.created).toHaveLength(4);
    expect(sim.activitiesOf(athlete.id)).toHaveLength(41);
    expect((await post('/mutations', { type: 'delete', activityId: 42 })).status).toBe(404);
    expect((await post('/mutations', { type: 'explode' })).status).toBe(400);
  });

  it('register apps, change rate limits, spend budget and move a manual clock', async () => {
    const app = await post('/apps', {
      clientId: '999',
      clientSecret: 'x',
      active: false,
      rateLimits: { read: { fifteenMinute: 5 } },
    });
    expect(app.status).toBe(201);
    expect(sim.apps.get('999')?.active).toBe(false);
    expect(sim.rateLimiter('999').limits.read).toEqual({ fifteenMinute: 5, daily: 1000 });
    expect((await post('/apps', { clientId: 'abc', clientSecret: 'x' })).status).toBe(400);

    const limits = await post('/rate-limits', {
      limits: { overall: { daily: 500 } },
      spend: { requests: 7 },
    });
    expect(limits.body).toMatchObject({
      limits: { overall: { fifteenMinute: 200, daily: 500 } },
      usage: { overall: { fifteenMinute: 7, daily: 7 }, read: { fifteenMinute: 7, daily: 7 } },
    });

    const moved = await post('/clock', { advanceMs: 60_000 });
    expect(moved.body).toEqual({ now: '2026-03-10T12:08:30.000Z' });
    expect((await post('/clock', { set: '2026-04-01T00:00:00Z' })).body).toEqual({
      now: '2026-04-01T00:00:00.000Z',
    });
  });

  it('reset the world', async () => {
    await addAthlete();
    await post('/faults', { latencyMs: 10 });
    expect((await post('/reset', {})).body).toEqual({ reset: true });
    expect(sim.athletes.size).toBe(0);
    expect(sim.faults.settings.latencyMs).toBe(0);
    expect(sim.inspect().requests).toEqual([]);
  });
});

describe('system clock', () => {
  it('refuses to move it', async () => {
    const live = createStravaSimulator();
    const response = await live.app.request('/_sim/clock', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ advanceMs: 1 }),
    });
    expect(response.status).toBe(409);
  });
});
