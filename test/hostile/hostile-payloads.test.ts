import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_OWM_KEY } from '../../sim/weather/openweathermap.ts';
import { createApiLedger } from '../../src/budget/api-ledger.ts';
import { createEnrichmentServices } from '../../src/enrichment/enrichment-services.ts';
import type { WeatherSettings } from '../../src/enrichment/weather-settings.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createStravaClient } from '../../src/strava/strava-client.ts';
import { createTokenManager } from '../../src/strava/token-manager.ts';
import { enrichForSync } from '../../src/sync/enrich-for-sync.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import type { SyncDeps } from '../../src/sync/sync-deps.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';
import { type StravaHarness, startStravaHarness } from '../support/strava-harness.ts';
import { simRunIds, startSession, syncDeps } from '../sync/sync-harness.ts';
import { startWeatherSims, type WeatherSims } from '../weather/weather-sims.ts';

/**
 * The "Trust" issue's hostile-input suite: a sync against Strava and weather/place providers
 * that answer garbage. Truncated JSON comes from the simulators' own fault knobs
 * (`malformedJsonRate`); what no knob makes (wrong types, ids beyond 2^53, a huge page, garbage
 * in the providers' shapes) a tampering proxy in front of the simulator writes into its real
 * answers. Every case ends with the sync completed or failed with a classified code, never
 * `internal_error`, and nothing stored that the simulator did not say.
 */
type Tamper = ((path: string, body: string) => string) | undefined;

describe('hostile payloads from Strava and the weather providers', () => {
  let t: TestDatabase;
  let sims: WeatherSims;
  let h: StravaHarness;
  let stravaTamper: Tamper;
  let weatherTamper: Tamper;
  let proxiedStrava: string;
  const proxied: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestDatabase('postgres');
    sims = await startWeatherSims();
    h = await startStravaHarness(t.db, { activityCount: 120, clock: sims.clock });
    const strava = new Hono();
    strava.all('*', async (c) => {
      const res = await h.sim.app.fetch(c.req.raw);
      const path = new URL(c.req.url).pathname;
      if (!stravaTamper || res.status !== 200) return res;
      const body = stravaTamper(path, await res.text());
      return new Response(body, { status: 200, headers: res.headers });
    });
    proxiedStrava = sims.mount('strava', strava);
    for (const [name, target] of Object.entries({
      owm: sims.urls.owm,
      openMeteo: sims.urls.openMeteo,
      nominatim: sims.urls.nominatim,
    })) {
      const app = new Hono();
      app.all('*', async (c) => {
        const url = new URL(c.req.url);
        const res = await fetch(
          `${target}${url.pathname === '/' ? '' : url.pathname}${url.search}`,
          {
            headers: c.req.raw.headers,
          },
        );
        const body = await res.text();
        const out =
          weatherTamper && res.status === 200
            ? weatherTamper(`${name}${url.pathname}`, body)
            : body;
        return new Response(out, {
          status: res.status,
          headers: { 'content-type': res.headers.get('content-type') ?? 'application/json' },
        });
      });
      proxied[name] = sims.mount(name.toLowerCase(), app);
    }
  });
  afterAll(async () => {
    await h.close();
    await sims.close();
    await t.dispose();
  });

  /** The sync's parts over the proxies: the real client, token manager and enrichment. */
  function deps(weather: Partial<WeatherSettings> = {}): SyncDeps {
    const client = createStravaClient({
      apiUrl: `${proxiedStrava}/api/v3`,
      oauthUrl: h.oauthUrl,
      clientId: h.sim.defaultApp.clientId,
      clientSecret: h.sim.defaultApp.clientSecret,
      ledger: createApiLedger(t.db, h.clock),
      clock: h.clock,
      http: { sleep: async () => {}, timeoutMs: 5_000 },
    });
    const tokens = createTokenManager({
      db: t.db,
      store: h.store,
      strava: client,
      clock: h.clock,
      logger: createLogger('silent'),
    });
    const services = createEnrichmentServices(
      {
        provider: 'open-meteo',
        // The online geocoder: its payloads are the hostile ones under test.
        placeProvider: 'nominatim',
        openWeatherApiKey: undefined,
        openWeatherApiUrl: proxied.owm as string,
        openMeteoArchiveUrl: proxied.openMeteo as string,
        nominatimUrl: proxied.nominatim as string,
        ...weather,
      },
      {
        ledger: createApiLedger(t.db, sims.clock),
        clock: sims.clock,
        userAgent: 'stridesync-test/1.0 (+https://stridesync.test)',
        sleep: (ms) => sims.sleep(ms),
        http: { sleep: sims.sleep, random: () => 0, timeoutMs: 5_000 },
      },
    );
    return syncDeps(t.db, h, {
      strava: { client, tokens, connections: h.store },
      enrich: enrichForSync(t.db, services, sims.clock),
    });
  }

  /**
   * Runs a fresh user's backfill until it ends or 12 runs have passed (a retry waits out its
   * backoff on the manual clock); returns the session, its failure codes and its stored rows.
   */
  async function backfill(d: SyncDeps) {
    // One athlete serves every case: the previous case's connection and caches go first, so a
    // cached answer from a sound provider cannot stand in for the garbage under test.
    for (const table of [
      'activities',
      'strava_connections',
      'weather_cache',
      'place_cache',
      'api_budget',
    ]) {
      await t.db.query(`delete from ${table}`);
    }
    const userId = await insertUser(t.db);
    await h.connect(userId);
    const session = await startSession(t.db, userId);
    const outcomes: string[] = [];
    for (let run = 0; run < 12; run++) {
      const outcome = await runSync(d, {
        sessionId: session.id,
        owner: `hostile-${run}`,
        deadlineMs: Number.MAX_SAFE_INTEGER,
        leaseTtlMs: 60_000,
      });
      outcomes.push(outcome.status);
      if (['completed', 'failed', 'cancelled'].includes(outcome.status)) break;
      sims.clock.advance(30 * 60_000);
    }
    const { rows: codes } = await t.db.query<{ type: string; code: string }>(
      `select type, payload->>'code' as code from sync_events
       where session_id = $1 and type in ('sync:failed', 'sync:retrying', 'enrich:deferred')`,
      [session.id],
    );
    const { rows: stored } = await t.db.query<{
      id: string;
      name: string;
      distance_m: number;
      weather_status: string;
      place_status: string;
      temperature_c: number | null;
      city: string | null;
    }>(
      `select id, name, distance_m, weather_status, place_status, temperature_c, city
       from activities where user_id = $1 and deleted_at is null order by id`,
      [userId],
    );
    const { rows } = await t.db.query<{ status: string }>(
      'select status from sync_sessions where id = $1',
      [session.id],
    );
    return { status: rows[0]?.status, outcomes, codes, stored };
  }

  /** Stored rows agree with the simulator's activity of the same id: nothing stored wrongly. */
  function expectTruthful(stored: { id: string; name: string; distance_m: number }[]) {
    const runs = new Set(simRunIds(h));
    for (const row of stored) {
      expect(runs.has(row.id), `stored ${row.id}, which Strava never listed as a run`).toBe(true);
      const truth = h.sim.activity(Number(row.id));
      expect(row.name).toBe(truth?.name);
      expect(Number(row.distance_m)).toBeCloseTo(truth?.distanceM ?? Number.NaN, 1);
    }
  }

  const classified = (codes: { code: string }[]) =>
    expect(codes.map((c) => c.code)).not.toContain('internal_error');

  it('truncated JSON from Strava (the malformedJsonRate knob): retried, then exact', async () => {
    h.sim.faults.set({ malformedJsonRate: 0.3, seed: 'hostile-truncated' });
    try {
      const r = await backfill(deps());
      classified(r.codes);
      expect(r.status).toBe('completed');
      expect(r.stored.map((s) => s.id)).toEqual(simRunIds(h));
      expectTruthful(r.stored);
    } finally {
      h.sim.faults.reset();
    }
  });

  it('wrong types in some records: those records skipped, the rest stored exactly', async () => {
    const runs = simRunIds(h);
    const victims = new Set(runs.slice(0, 3));
    stravaTamper = (path, body) => {
      if (!path.endsWith('/athlete/activities')) return body;
      const page = JSON.parse(body) as Record<string, unknown>[];
      return JSON.stringify(
        page.map((a) => {
          const id = String(a.id);
          if (!victims.has(id)) return a;
          if (id === runs[0]) return { ...a, distance: 'far', moving_time: [] };
          if (id === runs[1]) return { ...a, start_date: 12345, sport_type: { x: 1 } };
          return { ...a, id: 'not-a-number' };
        }),
      );
    };
    try {
      const r = await backfill(deps());
      classified(r.codes);
      expect(['completed', 'failed']).toContain(r.status);
      expectTruthful(r.stored);
      // Every run the tampering left alone is there.
      const ids = new Set(r.stored.map((s) => s.id));
      for (const id of runs) if (!victims.has(id)) expect(ids.has(id)).toBe(true);
    } finally {
      stravaTamper = undefined;
    }
  });

  it('an id beyond 2^53 is never stored rounded', async () => {
    const runs = simRunIds(h);
    const victim = runs[5] as string;
    const huge = '9007199254740993'; // 2^53 + 1: a double rounds it to ...992
    let written = 0;
    stravaTamper = (path, body) => {
      if (!path.endsWith('/athlete/activities') || !body.includes(`"id":${victim},`)) return body;
      written++;
      return body.replace(`"id":${victim},`, `"id":${huge},`);
    };
    try {
      const r = await backfill(deps());
      classified(r.codes);
      expect(['completed', 'failed']).toContain(r.status);
      expect(written).toBeGreaterThan(0); // the page really carried the id
      const ids = r.stored.map((s) => s.id);
      expect(ids).not.toContain('9007199254740992');
      // Stored exactly as written, or skipped; everything else truthful.
      expectTruthful(r.stored.filter((s) => s.id !== huge));
    } finally {
      stravaTamper = undefined;
    }
  });

  it('a huge page (every record padded with 120 KB, ~14 MB): stored exactly, or failed classified', async () => {
    const pad = 'x'.repeat(40_000);
    stravaTamper = (path, body) => {
      if (!path.endsWith('/athlete/activities')) return body;
      const page = JSON.parse(body) as Record<string, unknown>[];
      return JSON.stringify(page.map((a) => ({ ...a, description: pad, junk: [pad, pad] })));
    };
    try {
      const r = await backfill(deps());
      classified(r.codes);
      expect(['completed', 'failed']).toContain(r.status);
      expectTruthful(r.stored);
      if (r.status === 'completed') expect(r.stored.map((s) => s.id)).toEqual(simRunIds(h));
    } finally {
      stravaTamper = undefined;
    }
  });

  it('truncated JSON from Open-Meteo and Nominatim (their malformedJsonRate knob): no weather invented', async () => {
    sims.openMeteo.faults.set({ malformedJsonRate: 1 });
    sims.nominatim.faults.set({ malformedJsonRate: 1 });
    try {
      const r = await backfill(deps());
      classified(r.codes);
      expect(r.status).toBe('completed');
      expect(r.stored.map((s) => s.id)).toEqual(simRunIds(h));
      expect(r.stored.filter((s) => s.weather_status === 'enriched')).toEqual([]);
      expect(r.stored.filter((s) => s.place_status === 'enriched')).toEqual([]);
      expect(r.stored.filter((s) => s.temperature_c !== null || s.city !== null)).toEqual([]);
    } finally {
      sims.openMeteo.faults.set({ malformedJsonRate: 0 });
      sims.nominatim.faults.set({ malformedJsonRate: 0 });
    }
  });

  it('garbage in the providers’ own shapes (OpenWeatherMap, Open-Meteo, Nominatim): no weather invented', async () => {
    weatherTamper = (path, body) => {
      if (path.startsWith('owm/data'))
        return '{"lat":"north","data":[{"dt":"soon","temp":"warm","weather":7}]}';
      if (path.startsWith('owm/geo')) return '[{"name":5,"lat":"x","country":[]}]';
      if (path.startsWith('openMeteo'))
        return '{"hourly":{"time":"yesterday","temperature_2m":"hot"},"utc_offset_seconds":"z"}';
      if (path.startsWith('nominatim')) return '{"address":42,"lat":{},"display_name":null}';
      return body;
    };
    try {
      for (const provider of ['open-meteo', 'openweathermap'] as const) {
        const r = await backfill(
          deps({
            provider,
            openWeatherApiKey: provider === 'openweathermap' ? DEFAULT_OWM_KEY : undefined,
          }),
        );
        classified(r.codes);
        expect(r.status).toBe('completed');
        expect(r.stored.map((s) => s.id)).toEqual(simRunIds(h));
        expect(r.stored.filter((s) => s.weather_status === 'enriched')).toEqual([]);
        expect(r.stored.filter((s) => s.place_status === 'enriched')).toEqual([]);
        expect(r.stored.filter((s) => s.temperature_c !== null || s.city !== null)).toEqual([]);
      }
    } finally {
      weatherTamper = undefined;
    }
  });
});
