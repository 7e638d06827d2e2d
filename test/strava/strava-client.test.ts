import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApiLedger } from '../../src/budget/api-ledger.ts';
import { RateLimitedError } from '../../src/core/errors.ts';
import { parseActivityOrReject } from '../../src/core/transform-activity.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { type StravaHarness, startStravaHarness } from '../support/strava-harness.ts';

describe('Strava client against the simulator', () => {
  let t: TestDatabase;
  let h: StravaHarness;
  let token: string;

  beforeAll(async () => {
    t = await createTestDatabase('postgres');
    h = await startStravaHarness(t.db);
    token = h.sim.issueTokens(Number(h.athleteId), ['read', 'activity:read_all']).access_token;
  });
  afterEach(() => h.sim.faults.reset());
  afterAll(async () => {
    await h.close();
    await t.dispose();
  });

  it('lists a page of activities that all parse, newest first', async () => {
    const page = await h.client.listActivities(token, { perPage: 50 });
    expect(page).toHaveLength(50);
    const parsed = page.map((raw) =>
      parseActivityOrReject(raw, '00000000-0000-4000-8000-000000000001'),
    );
    expect(parsed.filter((p) => p.ok).length).toBeGreaterThan(40);
    const starts = parsed.flatMap((p) => (p.ok ? [p.row.start_date] : []));
    expect([...starts].sort().reverse()).toEqual(starts);
  });

  it('reads the athlete and the run totals', async () => {
    const athlete = await h.client.getAthlete(token);
    expect(athlete.id).toBe(h.athleteId);
    const stats = await h.client.getAthleteStats(token, h.athleteId);
    expect(stats.all_run_totals.count).toBeGreaterThan(0);
  });

  it('retries 5xx and succeeds', async () => {
    h.sim.faults.set({ script: [503, 502] });
    expect(await h.client.getAthlete(token)).toMatchObject({ id: h.athleteId });
    expect(h.sim.inspect().byEndpoint['GET /api/v3/athlete']).toMatchObject({ '503': 1, '502': 1 });
  });

  it('classifies a refused token and a missing scope', async () => {
    await expect(h.client.getAthlete('0'.repeat(40))).rejects.toMatchObject({
      code: 'strava_token_refused',
    });
    const noActivityScope = h.sim.issueTokens(Number(h.athleteId), ['read']).access_token;
    await expect(h.client.listActivities(noActivityScope, {})).rejects.toMatchObject({
      code: 'strava_scope_missing',
      failureType: 'config',
    });
  });

  it('skips a missing activity as not found', async () => {
    await expect(h.client.getActivity(token, '1')).rejects.toMatchObject({
      code: 'strava_not_found',
    });
  });

  it('exchanges a code only once', async () => {
    const authorize = await fetch(
      `${h.oauthUrl}/authorize?client_id=${h.sim.defaultApp.clientId}&redirect_uri=http://localhost/cb&response_type=code&scope=read,activity:read_all&state=s`,
      { redirect: 'manual' },
    );
    const code = new URL(authorize.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const tokens = await h.client.exchangeCode(code);
    expect(tokens.athlete?.id).toBe(h.athleteId);
    await expect(h.client.exchangeCode(code)).rejects.toMatchObject({
      code: 'strava_reconnect_required',
    });
  });

  it('sends a refresh once: a 5xx or an unreadable answer is not retried, and is no refusal', async () => {
    const refreshToken = h.sim.issueTokens(Number(h.athleteId)).refresh_token;
    const calls = () => h.sim.inspect().byEndpoint['POST /oauth/token'] ?? {};
    const before = calls();
    h.sim.faults.set({ includeOAuth: true, script: [503] });
    await expect(h.client.refreshToken(refreshToken)).rejects.toMatchObject({
      code: 'strava_unavailable',
      failureType: 'transient',
    });
    h.sim.faults.set({ script: ['malformed'] });
    await expect(h.client.refreshToken(refreshToken)).rejects.toMatchObject({
      code: 'strava_malformed_response',
      failureType: 'transient',
    });
    expect(calls()).toEqual({
      ...before,
      '200': (before['200'] ?? 0) + 1,
      '503': (before['503'] ?? 0) + 1,
    });
    // Other calls keep their retries.
    h.sim.faults.set({ script: [503] });
    expect(await h.client.getAthlete(token)).toMatchObject({ id: h.athleteId });
  });

  it('learns the real limits from the headers and stops before Strava says 429', async () => {
    h.sim.registerApp({
      ...h.sim.defaultApp,
      rateLimits: { read: { fifteenMinute: 6, daily: 1000 } },
    });
    h.clock.advance(15 * 60_000);
    const outcomes = [];
    for (let i = 0; i < 10; i++) {
      outcomes.push(
        await h.client.getAthlete(token).then(
          () => 'ok',
          (e) => (e instanceof RateLimitedError ? 'parked' : 'other'),
        ),
      );
    }
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(6);
    expect(outcomes).toContain('parked');
    expect(outcomes).not.toContain('other');
    const ledger = await createApiLedger(t.db, h.clock).snapshot('strava');
    expect(ledger.find((l) => l.bucket === 'read:15min')).toMatchObject({ limit: 6 });
    const byStatus = h.sim.inspect().byEndpoint['GET /api/v3/athlete'] ?? {};
    expect(byStatus['429']).toBeUndefined();
  });
});
