import { beforeEach, describe, expect, it } from 'vitest';
import { readApiSampleText } from '../support/api-samples.ts';
import { bearer, serveStravaSim } from './strava-helpers.ts';

/** Each fault knob does what it says, over real HTTP. */
const env = serveStravaSim({ athletes: [{ seed: 'faults', activityCount: 60 }] });
const { sim, clock, athleteId } = env;
let tokens: { access_token: string; refresh_token: string };

beforeEach(() => {
  tokens = sim.issueTokens(athleteId);
});

const list = (init: RequestInit = {}) =>
  fetch(`${env.url}/api/v3/athlete/activities?per_page=10`, {
    headers: bearer(tokens.access_token),
    ...init,
  });

describe('fault knobs', () => {
  it('adds latency', async () => {
    sim.faults.set({ latencyMs: 150, jitterMs: 50 });
    const started = performance.now();
    expect((await list()).status).toBe(200);
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(148);
    expect(took).toBeLessThan(1500);
  });

  it('plays a script of outcomes: edge 5xx without rate-limit headers, then normal answers', async () => {
    sim.faults.set({ script: [503, 502, 504, 500] });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await list();
      statuses.push(response.status);
      if (response.status === 503) {
        expect(response.headers.get('content-type')).toBe('text/plain');
        expect(await response.text()).toContain('upstream connect error');
      }
      if (response.status >= 500) expect(response.headers.get('x-ratelimit-usage')).toBeNull();
    }
    expect(statuses).toEqual([503, 502, 504, 500, 200]);
    expect(sim.inspect().byEndpoint['GET /api/v3/athlete/activities']).toEqual({
      '200': 1,
      '500': 1,
      '502': 1,
      '503': 1,
      '504': 1,
    });
    expect(sim.inspect().rateLimits['12345']!.usage.read.daily).toBe(1);
  });

  it('fails at the configured rate, reproducibly for the same seed', async () => {
    const run = async () => {
      sim.faults.reset();
      sim.faults.set({ errorRates: { 503: 0.3, 500: 0.1 }, seed: 'dice' });
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) statuses.push((await list()).status);
      return statuses;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    const failures = first.filter((s) => s >= 500).length;
    expect(failures).toBeGreaterThan(6);
    expect(failures).toBeLessThan(30);
    sim.faults.set({ errorRates: { 502: 1 } });
    expect((await list()).status).toBe(502);
    sim.faults.reset();
    expect((await list()).status).toBe(200);
  });

  it('hangs a request until the client gives up, and releases hung ones on close', async () => {
    sim.faults.set({ script: ['hang'] });
    await expect(list({ signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect(sim.inspect().byEndpoint['GET /api/v3/athlete/activities']).toEqual({ hung: 1 });

    sim.faults.set({ script: ['hang'] });
    const pending = list();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sim.inspect().hung).toBe(1);
    await sim.close();
    const released = await pending;
    expect(released.status).toBe(504);
    expect(sim.inspect().hung).toBe(0);
    expect((await list()).status).toBe(200);
  });

  it('cuts JSON bodies short, keeping status and headers', async () => {
    sim.faults.set({ script: ['malformed'] });
    const response = await list();
    expect(response.status).toBe(200);
    expect(response.headers.get('x-ratelimit-usage')).toBe('1,1');
    const text = await response.text();
    expect(text.startsWith('[{"resource_state":2')).toBe(true);
    expect(() => JSON.parse(text)).toThrow();
    expect(() =>
      JSON.parse(readApiSampleText('strava_athlete_activities_page_real_2025.json')),
    ).not.toThrow();
  });

  it('revokes the token at request N: the athlete deauthorized the app', async () => {
    sim.faults.set({ revokeAtRequest: 3 });
    expect((await list()).status).toBe(200);
    expect((await list()).status).toBe(200);
    const third = await list();
    expect(third.status).toBe(401);
    expect(await third.text()).toBe(readApiSampleText('strava_401_invalid_access_token.json'));
    expect((await list()).status).toBe(401);
    const refresh = await fetch(`${env.url}/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams({
        client_id: '12345',
        client_secret: 'sim-secret',
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token,
      }),
    });
    expect(refresh.status).toBe(400);
  });

  it('revokes only the access token in access-token mode: a refresh recovers', async () => {
    sim.faults.set({ revokeAtRequest: 1, revokeMode: 'access-token' });
    expect((await list()).status).toBe(401);
    const refresh = await sim.app.request('/oauth/token', {
      method: 'POST',
      body: new URLSearchParams({
        client_id: '12345',
        client_secret: 'sim-secret',
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token,
      }),
    });
    const fresh = (await refresh.json()) as { access_token: string };
    expect(fresh.access_token).not.toBe(tokens.access_token);
    expect((await list({ headers: bearer(fresh.access_token) })).status).toBe(200);
  });

  it('puts rate-limit pressure from other users of the app', async () => {
    clock.set('2026-03-10T12:00:00Z');
    sim.faults.set({ otherUsers: { requestsPer15Min: 400, readShare: 0.5 } });
    clock.advance(3 * 60_000); // others: 80 requests, 40 reads
    const response = await list();
    expect(response.headers.get('x-ratelimit-usage')).toBe('81,81');
    expect(response.headers.get('x-readratelimit-usage')).toBe('41,41');
    clock.advance(9 * 60_000); // others: 320 requests, 160 reads: over both limits
    expect((await list()).status).toBe(429);
  });

  it('applies to the token endpoint only with includeOAuth', async () => {
    const refresh = () =>
      fetch(`${env.url}/oauth/token`, {
        method: 'POST',
        body: new URLSearchParams({
          client_id: '12345',
          client_secret: 'sim-secret',
          grant_type: 'refresh_token',
          refresh_token: tokens.refresh_token,
        }),
      });
    sim.faults.set({ errorRates: { 503: 1 } });
    expect((await refresh()).status).toBe(200);
    sim.faults.set({ includeOAuth: true });
    expect((await refresh()).status).toBe(503);
    expect(sim.inspect().byEndpoint['POST /oauth/token']).toEqual({ '200': 1, '503': 1 });
  });

  it('cuts a refresh answer only after Strava acted: the old refresh token is dead, as after any rotation', async () => {
    const refresh = (refreshToken: string) =>
      fetch(`${env.url}/oauth/token`, {
        method: 'POST',
        body: new URLSearchParams({
          client_id: '12345',
          client_secret: 'sim-secret',
          grant_type: 'refresh_token',
          refresh_token: refreshToken,
        }),
      });
    clock.advance(5.5 * 3600_000); // half an hour left: Strava answers with new tokens
    sim.faults.set({ includeOAuth: true, script: ['malformed'] });
    const lost = await refresh(tokens.refresh_token);
    expect(lost.status).toBe(200);
    const text = await lost.text();
    expect(() => JSON.parse(text)).toThrow();
    expect(text).not.toContain('"refresh_token"');
    // Strava rotated before the answer was cut: the refresh token the client still holds is dead.
    const again = await refresh(tokens.refresh_token);
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ errors: [{ resource: 'RefreshToken' }] });
    // ...while its access token works until it expires.
    expect((await list()).status).toBe(200);
    clock.advance(3600_000);
    expect((await list()).status).toBe(401);
  });

  it('hangs a refresh before Strava acts: the refresh token still works afterwards', async () => {
    const refresh = (refreshToken: string, signal?: AbortSignal) =>
      fetch(`${env.url}/oauth/token`, {
        method: 'POST',
        body: new URLSearchParams({
          client_id: '12345',
          client_secret: 'sim-secret',
          grant_type: 'refresh_token',
          refresh_token: refreshToken,
        }),
        ...(signal ? { signal } : {}),
      });
    clock.advance(5.5 * 3600_000);
    sim.faults.set({ includeOAuth: true, script: ['hang'] });
    await expect(refresh(tokens.refresh_token, AbortSignal.timeout(200))).rejects.toThrow();
    const after = await refresh(tokens.refresh_token);
    expect(after.status).toBe(200);
    const rotated = (await after.json()) as { refresh_token: string };
    expect(rotated.refresh_token).not.toBe(tokens.refresh_token);
  });
});
