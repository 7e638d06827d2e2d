import { describe, expect, it } from 'vitest';
import { serveStravaSim } from './strava-helpers.ts';

/**
 * The /_sim admin routes take JSON and nothing else: a body of another type (a form, plain text,
 * or no type at all) is refused with 415 and a JSON error, and changes nothing; a JSON body that
 * does not parse is a 400, never read as `{}`.
 */
const env = serveStravaSim({ prefix: '/strava' });
const { sim } = env;

/** Every POST route that takes a body, with a body it would accept. */
const BODY_ROUTES: [string, unknown][] = [
  ['/athletes', { seed: 'bodies', activityCount: 1, years: 1 }],
  ['/tokens', { athleteId: 1 }],
  ['/faults', { latencyMs: 5 }],
  ['/knobs', { deliverWebhooks: false }],
  ['/apps', { clientId: '777', clientSecret: 'x' }],
  ['/rate-limits', { limits: { read: { daily: 5 } } }],
  ['/mutations', { type: 'delete', activityId: 1 }],
  ['/clock', { advanceMs: 1000 }],
];
const ALL_POST_ROUTES = [...BODY_ROUTES.map(([route]) => route), '/faults/reset', '/reset'];

function send(route: string, init: { contentType?: string; body?: string }) {
  return fetch(`${env.url}/_sim${route}`, {
    method: 'POST',
    headers: init.contentType === undefined ? {} : { 'content-type': init.contentType },
    ...(init.body === undefined ? {} : { body: init.body }),
  });
}

async function expectJsonError(response: Response, status: number) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await response.json()) as { error?: unknown };
  expect(body.error).toEqual(expect.any(String));
  return body.error as string;
}

describe('admin routes refuse bodies that are not JSON', () => {
  it.each(ALL_POST_ROUTES)('POST /_sim%s: a form or plain text is a 415', async (route) => {
    const before = JSON.stringify({ knobs: sim.knobs, faults: sim.faults.settings });
    const athletes = sim.athletes.size;
    const form = await send(route, {
      contentType: 'application/x-www-form-urlencoded',
      body: 'seed=x&latencyMs=5',
    });
    expect(await expectJsonError(form, 415)).toMatch(/application\/json/);
    await expectJsonError(await send(route, { contentType: 'text/plain', body: '{}' }), 415);
    // Nothing happened: not even the routes that take no body ran.
    expect(JSON.stringify({ knobs: sim.knobs, faults: sim.faults.settings })).toBe(before);
    expect(sim.athletes.size).toBe(athletes);
  });

  it.each(BODY_ROUTES)(
    'POST /_sim%s: a body without a content type is a 415',
    async (route, body) => {
      const response = await fetch(`${env.url}/_sim${route}`, {
        method: 'POST',
        body: new Blob([JSON.stringify(body)]), // a Blob without a type sends no Content-Type
      });
      await expectJsonError(response, 415);
    },
  );

  it.each(BODY_ROUTES)('POST /_sim%s: JSON that does not parse is a 400', async (route) => {
    const error = await expectJsonError(
      await send(route, { contentType: 'application/json', body: '{"latencyMs": 5' }),
      400,
    );
    expect(error).toMatch(/not valid JSON/);
  });

  it('still takes JSON, with a charset or a +json type, and the resets without any body', async () => {
    const knobs = await send('/knobs', {
      contentType: 'application/json; charset=utf-8',
      body: JSON.stringify({ deliverWebhooks: false }),
    });
    expect(knobs.status).toBe(200);
    expect(sim.knobs.deliverWebhooks).toBe(false);
    const faults = await send('/faults', {
      contentType: 'application/merge-patch+json',
      body: JSON.stringify({ latencyMs: 5 }),
    });
    expect(faults.status).toBe(200);
    expect((await send('/faults/reset', {})).status).toBe(200);
    expect(sim.faults.settings.latencyMs).toBe(0);
    expect(await (await send('/reset', {})).json()).toEqual({ reset: true });
  });
});
