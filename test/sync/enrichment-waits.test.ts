import { Hono } from 'hono';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sessionView } from '../../src/api/session-view.ts';
import { createApiLedger } from '../../src/budget/api-ledger.ts';
import { progressLine } from '../../src/cli/progress-line.ts';
import { DEFAULT_LEASE_TTL_MS } from '../../src/config/defaults.ts';
import {
  createEnrichmentServices,
  type EnrichmentServicesOptions,
} from '../../src/enrichment/enrichment-services.ts';
import { listEvents, sessionStore } from '../../src/store/session-store.ts';
import { enrichForSync } from '../../src/sync/enrich-for-sync.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import type { RunOptions } from '../../src/sync/sync-deps.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';
import { type StravaHarness, startStravaHarness } from '../support/strava-harness.ts';
import {
  clearEnrichmentState,
  NOW,
  startWeatherSims,
  type WeatherSims,
} from '../weather/weather-sims.ts';
import { eventTypes, runToEnd, startSession, syncDeps } from './sync-harness.ts';

/**
 * Waits for a provider's window inside the enriching phase: a spent window parks the session
 * (visible, counted, recorded) instead of sleeping inside a batch, and a short pause is cut by
 * the run's stop signal and never runs past its deadline. Places come from Nominatim (no
 * OpenWeatherMap key), behind a proxy that answers 429 with a Retry-After while `refusing`.
 */
describe('enrichment waiting for a provider’s window', () => {
  let t: TestDatabase;
  let sims: WeatherSims;
  let h: StravaHarness;
  let nominatimUrl: string;
  let refusing: { retryAfterS: number } | null = null;
  let userId: string;

  beforeAll(async () => {
    t = await createTestDatabase('postgres');
    sims = await startWeatherSims();
    h = await startStravaHarness(t.db, { activityCount: 30, clock: sims.clock });
    const proxy = new Hono().all('*', async (c) => {
      if (refusing) {
        return c.text('Too many requests', 429, { 'retry-after': String(refusing.retryAfterS) });
      }
      const url = new URL(c.req.url);
      return fetch(`${sims.urls.nominatim}${url.pathname}${url.search}`, {
        headers: { 'user-agent': c.req.header('user-agent') ?? '' },
      });
    });
    nominatimUrl = sims.mount('nominatim-429', proxy);
  });
  afterAll(async () => {
    await h.close();
    await sims.close();
    await t.dispose();
  });
  beforeEach(async () => {
    sims.clock.set(NOW);
    sims.nominatim.reset();
    sims.openMeteo.reset();
    refusing = null;
    await clearEnrichmentState(t.db);
    await t.db.exec('delete from sync_sessions; delete from strava_connections;');
    userId = await insertUser(t.db);
    await h.connect(userId);
  });

  const depsWith = (options: Partial<EnrichmentServicesOptions> = {}) => {
    const services = createEnrichmentServices(
      sims.settings({ openWeatherApiKey: undefined, nominatimUrl }),
      {
        ledger: createApiLedger(t.db, sims.clock),
        clock: sims.clock,
        userAgent: 'stridesync-test/1.0',
        sleep: (ms) => sims.sleep(ms),
        http: { sleep: sims.sleep, random: () => 0, timeoutMs: 5000 },
        // Open-Meteo unpaced: these are Nominatim's windows, which its pace would blur.
        limits: { openMeteo: { weightedPerMinute: 1_000_000 } },
        ...options,
      },
    );
    return syncDeps(t.db, h, { enrich: enrichForSync(t.db, services, sims.clock) });
  };
  const run = (deps: ReturnType<typeof depsWith>, sessionId: string, o: Partial<RunOptions> = {}) =>
    runSync(deps, {
      sessionId,
      owner: 'worker-1',
      deadlineMs: Number.MAX_SAFE_INTEGER,
      leaseTtlMs: DEFAULT_LEASE_TTL_MS,
      ...o,
    });
  const placesWaiting = async () =>
    (
      await t.db.query<{ n: number }>(
        `select count(*)::int as n from activities where user_id = $1 and start_lat is not null
           and place_status = 'pending' and place_attempts = 0 and place_error is null`,
        [userId],
      )
    ).rows[0]?.n ?? 0;

  it('parks the session on Nominatim’s 429 until its Retry-After, says so, and goes on after', async () => {
    refusing = { retryAfterS: 40 };
    const deps = depsWith();
    const session = await startSession(t.db, userId);
    const before = sims.clock.now();

    const outcome = await run(deps, session.id);

    // Nothing slept through the window: the clock moved by no more than Nominatim's pacing.
    const refusedAt = sims.clock.now();
    expect(refusedAt - before).toBeLessThan(2000);
    expect(outcome).toEqual({ status: 'rate_limited', resumeAt: new Date(refusedAt + 40_000) });
    const parked = await sessionStore.get(t.db, session.id);
    expect(parked).toMatchObject({
      status: 'rate_limited',
      phase: 'enriching',
      waiting_for: 'nominatim',
      resume_at: new Date(refusedAt + 40_000),
      lease_owner: null,
    });
    const events = await listEvents(t.db, session.id);
    expect(events.at(-1)).toMatchObject({
      type: 'enrich:waiting',
      payload: { provider: 'nominatim', until: new Date(refusedAt + 40_000).toISOString() },
    });
    expect(await placesWaiting()).toBeGreaterThan(0);

    // What the dashboard and the CLI are told: what it waits for, and an ETA that counts it.
    const view = sessionView(parked!, refusedAt);
    expect(view.progress).toMatchObject({
      waitingFor: 'nominatim',
      waitingUntil: new Date(refusedAt + 40_000).toISOString(),
    });
    expect(view.progress.etaSeconds).toBeGreaterThanOrEqual(40);
    const line = progressLine(parked!, refusedAt);
    expect(line).toContain("waiting for OpenStreetMap's limit (Nominatim), 40s left");
    expect(line).toMatch(/ETA (\d+m )?\d+s/);

    // Before the window reopens nobody takes the session; once it has, the next run finishes.
    expect(await run(deps, session.id)).toEqual({ status: 'not_claimed' });
    refusing = null;
    sims.clock.set(refusedAt + 40_000);
    const { outcomes } = await runToEnd(deps, session.id);
    expect(outcomes.at(-1)).toEqual({ status: 'completed' });
    expect(await placesWaiting()).toBe(0);
    const done = await sessionStore.get(t.db, session.id);
    expect(done).toMatchObject({ status: 'completed', waiting_for: null, resume_at: null });
    expect(await eventTypes(t.db, session.id)).toContain('enrich:waiting');
  });

  it('does not sleep a short pause past the run’s deadline: it parks for it instead', async () => {
    refusing = { retryAfterS: 1 };
    const deps = depsWith();
    const session = await startSession(t.db, userId);
    const before = sims.clock.now();

    const outcome = await run(deps, session.id, { deadlineMs: before + 500 });

    expect(sims.clock.now()).toBe(before);
    expect(outcome).toEqual({ status: 'rate_limited', resumeAt: new Date(before + 1000) });
    expect(await sessionStore.get(t.db, session.id)).toMatchObject({
      status: 'rate_limited',
      waiting_for: 'nominatim',
    });
  });

  it('ends a short pause as soon as the worker stops, and hands the session on', async () => {
    refusing = { retryAfterS: 1 };
    const stopping = new AbortController();
    // The stop arrives while the run waits out Nominatim's one-second Retry-After.
    const deps = depsWith({
      sleep: async (ms, signal) => {
        stopping.abort();
        if (!signal?.aborted) await sims.sleep(ms);
      },
    });
    const session = await startSession(t.db, userId);

    const outcome = await run(deps, session.id, { signal: stopping.signal });

    expect(outcome).toEqual({ status: 'yielded' });
    expect(await sessionStore.get(t.db, session.id)).toMatchObject({
      status: 'queued',
      phase: 'enriching',
      lease_owner: null,
    });
    const events = await listEvents(t.db, session.id);
    expect(events.at(-1)).toMatchObject({ type: 'sync:yielded', payload: { reason: 'stopping' } });
    // The places it did not reach wait untouched: no attempt counted, no error recorded.
    expect(await placesWaiting()).toBeGreaterThan(0);
  });
});
