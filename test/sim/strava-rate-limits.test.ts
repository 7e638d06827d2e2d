import { beforeEach, describe, expect, it } from 'vitest';
import { createStravaSimulator } from '../../sim/strava/index.ts';
import { readApiSampleText } from '../support/api-samples.ts';
import { bearer, serveStravaSim } from './strava-helpers.ts';

/**
 * Windows and headers, on a manual clock (no sleeping through 15 minutes). The shared simulator
 * is served too, but these tests call its app in-process.
 */
const { sim, clock, athleteId } = serveStravaSim({
  now: '2026-03-10T12:00:00Z',
  athletes: [{ seed: 'limits', activityCount: 10 }],
});
let token: string;

beforeEach(() => {
  token = sim.issueTokens(athleteId).access_token;
});

const read = () => sim.app.request('/api/v3/athlete', { headers: bearer(token) });
const write = () =>
  sim.app.request('/api/v3/push_subscriptions/1?client_id=12345&client_secret=sim-secret', {
    method: 'DELETE',
  });

async function reads(count: number): Promise<Response> {
  let last: Response | undefined;
  for (let i = 0; i < count; i++) last = await read();
  return last as Response;
}

const usage = (response: Response) => ({
  limit: response.headers.get('x-ratelimit-limit'),
  usage: response.headers.get('x-ratelimit-usage'),
  readLimit: response.headers.get('x-readratelimit-limit'),
  readUsage: response.headers.get('x-readratelimit-usage'),
});

describe('rate-limit headers', () => {
  it('carry the real header values on every API response', async () => {
    expect(usage(await read())).toEqual({
      limit: '200,2000',
      usage: '1,1',
      readLimit: '100,1000',
      readUsage: '1,1',
    });
    expect(usage(await read())).toMatchObject({ usage: '2,2', readUsage: '2,2' });
    // The real 2025 headers name the same four, with the same comma-separated format.
    const real = readApiSampleText('strava_response_headers_2025_real.txt');
    for (const line of ['X-Ratelimit-Limit: 200,2000', 'X-Readratelimit-Limit: 100,1000'])
      expect(real).toContain(line);
  });

  it('count a non-GET against the overall limit only', async () => {
    await read();
    const response = await write();
    expect(response.status).toBe(404);
    expect(usage(response)).toMatchObject({ usage: '2,2', readUsage: '1,1' });
  });
});

describe('limits', () => {
  it('answer 429 with the real body past the read limit, still counting and still with headers', async () => {
    expect((await reads(100)).status).toBe(200);
    const over = await read();
    expect(over.status).toBe(429);
    expect(await over.text()).toBe(readApiSampleText('strava_429_rate_limit_exceeded.json'));
    expect(usage(over)).toEqual({
      limit: '200,2000',
      usage: '101,101',
      readLimit: '100,1000',
      readUsage: '101,101',
    });
    expect(usage(await read())).toMatchObject({ readUsage: '102,102' });
    // A write still fits the overall 15-minute budget.
    expect((await write()).status).toBe(404);
  });

  it('reset the 15-minute window on the quarter hour, not 15 minutes after the first call', async () => {
    clock.set('2026-03-10T12:10:00Z');
    await reads(100);
    expect((await read()).status).toBe(429);
    clock.set('2026-03-10T12:14:59.999Z');
    expect((await read()).status).toBe(429);
    clock.set('2026-03-10T12:15:00Z');
    const fresh = await read();
    expect(fresh.status).toBe(200);
    // Daily usage kept the two rejected calls.
    expect(usage(fresh)).toMatchObject({ usage: '1,103', readUsage: '1,103' });
    expect(sim.rateLimiter().resetsAt()).toEqual({
      fifteenMinute: Date.parse('2026-03-10T12:30:00Z'),
      daily: Date.parse('2026-03-11T00:00:00Z'),
    });
  });

  it('reset the daily window at midnight UTC, and block on it across 15-minute windows', async () => {
    sim.rateLimiter().limits = {
      overall: { fifteenMinute: 200, daily: 2000 },
      read: { fifteenMinute: 100, daily: 150 },
    };
    await reads(100);
    clock.advance(15 * 60_000);
    await reads(50);
    const blocked = await read();
    expect(blocked.status).toBe(429);
    expect(usage(blocked)).toMatchObject({ readLimit: '100,150', readUsage: '51,151' });
    clock.set('2026-03-10T23:59:59Z');
    token = sim.issueTokens(athleteId).access_token; // the first one expired
    expect((await read()).status).toBe(429);
    clock.set('2026-03-11T00:00:00Z');
    const tomorrow = await read();
    expect(tomorrow.status).toBe(200);
    expect(usage(tomorrow)).toMatchObject({ usage: '1,1', readUsage: '1,1' });
  });

  it('are configurable per application', async () => {
    const tight = createStravaSimulator({
      clock,
      app: { rateLimits: { overall: { fifteenMinute: 3 }, read: { fifteenMinute: 2 } } },
      athletes: [{ seed: 'tight', activityCount: 1 }],
    });
    const t = tight.issueTokens([...tight.athletes.keys()][0]!).access_token;
    const call = () => tight.app.request('/api/v3/athlete', { headers: bearer(t) });
    expect((await call()).headers.get('x-ratelimit-limit')).toBe('3,2000');
    expect((await call()).status).toBe(200);
    expect((await call()).status).toBe(429);
  });
});

describe('other users of the same application', () => {
  it('spend the budget at a steady rate that accrues with the clock', async () => {
    sim.faults.set({ otherUsers: { requestsPer15Min: 90 } });
    clock.advance(5 * 60_000);
    expect(usage(await read())).toMatchObject({ usage: '31,31', readUsage: '31,31' });
    clock.advance(5 * 60_000);
    await reads(8);
    // 60 from others + 10 of ours; 30 more fit under the limit of 100, then 429.
    expect(usage(await read())).toMatchObject({ readUsage: '70,70' });
    expect((await reads(30)).status).toBe(200);
    expect((await read()).status).toBe(429);
  });

  it('spend in bursts, and writes do not count as reads', async () => {
    sim.rateLimiter().spend(99, 'read');
    sim.rateLimiter().spend(5, 'write');
    expect((await read()).status).toBe(200);
    const over = await read();
    expect(over.status).toBe(429);
    expect(usage(over)).toMatchObject({ usage: '106,106', readUsage: '101,101' });
  });
});

describe('the ledger in inspect()', () => {
  it('lists usage, resets and a per-window history', async () => {
    await reads(3);
    clock.advance(15 * 60_000);
    await reads(2);
    await write();
    const ledger = sim.inspect().rateLimits['12345']!;
    expect(ledger.usage).toEqual({
      overall: { fifteenMinute: 3, daily: 6 },
      read: { fifteenMinute: 2, daily: 5 },
    });
    expect(ledger.resetsAt).toEqual({
      fifteenMinute: '2026-03-10T12:30:00.000Z',
      daily: '2026-03-11T00:00:00.000Z',
    });
    expect(ledger.windows).toEqual([
      { start: '2026-03-10T12:00:00.000Z', requests: 3, reads: 3, rejected: 0, others: 0 },
      { start: '2026-03-10T12:15:00.000Z', requests: 3, reads: 2, rejected: 0, others: 0 },
    ]);
    expect(sim.inspect().byEndpoint).toEqual({
      'GET /api/v3/athlete': { '200': 5 },
      'DELETE /api/v3/push_subscriptions/{id}': { '404': 1 },
    });
  });
});
