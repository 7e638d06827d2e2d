import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EstimateView } from '../../src/api/contract.ts';
import { createApiLedger } from '../../src/budget/api-ledger.ts';
import {
  budgetLines,
  budgetOf,
  LEDGER_PROVIDER,
  PROVIDER_BUDGETS,
  resolveLimits,
} from '../../src/budget/provider-limits.ts';
import { windowAt } from '../../src/budget/rate-windows.ts';
import { isRunActivity, parseActivityOrReject } from '../../src/core/transform-activity.ts';
import { storePlaces } from '../../src/enrichment/geocoding/place-cache.ts';
import {
  cellKey,
  cellOf,
  PLACE_CELLS_PER_DEGREE,
  weatherSlotKey,
  weatherSlotOf,
} from '../../src/enrichment/grid-cell.ts';
import { runMidpoint } from '../../src/enrichment/weather/run-midpoint.ts';
import { storeWeather } from '../../src/enrichment/weather/weather-cache.ts';
import type { WeatherObservation } from '../../src/enrichment/weather/weather-observation.ts';
import {
  HIDDEN_SHARE,
  MAX_HIDDEN_SHARE,
  PUBLIC_ONLY_NOTE,
} from '../../src/estimate/backfill-estimate.ts';
import { placeKeyOf, slotKeyOf } from '../../src/estimate/cache-sample.ts';
import { type EstimatePoint, estimateEnrichment } from '../../src/estimate/enrichment-estimate.ts';
import type { EstimateSettings } from '../../src/estimate/estimate-settings.ts';
import { STRAVA_CALL_MS } from '../../src/estimate/strava-duration.ts';
import { STRAVA_TOTALS_MEMO_MS } from '../../src/estimate/strava-totals.ts';
import { GPS_SHARE } from '../../src/estimate/unknown-runs.ts';
import { createApp } from '../../src/http/app.ts';
import { createJwtVerifier, signAccessToken } from '../../src/http/jwt.ts';
import { type RunningServer, startServer } from '../../src/http/node-server.ts';
import { purgeUserData } from '../../src/store/purge-user-data.ts';
import { ADAPTERS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';
import { type StravaHarness, startStravaHarness } from '../support/strava-harness.ts';
import { captureLogs, errorOf, JWT_SECRET } from './test-app.ts';

const SETTINGS: EstimateSettings = {
  weatherProvider: 'openweathermap',
  placeProvider: 'nominatim',
};
const STATS_ENDPOINT = 'GET /api/v3/athletes/{id}/stats';
const HOUR_MS = 3_600_000;

interface SeededRun {
  lat: number | null;
  lng: number | null;
  start: Date;
  elapsedS: number;
  virtual?: boolean;
}

type Place = { lat: number; lng: number };
const LONDON: Place = { lat: 51.5072, lng: -0.1276 };
const PARIS: Place = { lat: 48.8566, lng: 2.3522 };

/**
 * A runner's stored history: most runs from home, every fourth from `away`, one treadmill run
 * (no GPS) and one virtual run (coordinates in a game world): `count` runs, a day apart.
 */
function history(count: number, firstMs: number, home: Place, away: Place): SeededRun[] {
  return Array.from({ length: count }, (_, i) => ({
    lat: i === 3 ? null : (i % 4 === 0 ? away : home).lat,
    lng: i === 3 ? null : (i % 4 === 0 ? away : home).lng,
    start: new Date(firstMs + i * 24 * HOUR_MS),
    elapsedS: 1800 + i * 60,
    virtual: i === 5,
  }));
}

function pointsOf(runs: readonly SeededRun[]): EstimatePoint[] {
  return runs.flatMap((r) =>
    r.lat === null || r.lng === null || r.virtual
      ? []
      : [{ lat: r.lat, lng: r.lng, at: runMidpoint(r.start, r.elapsedS) }],
  );
}

function observation(provider: WeatherObservation['provider'], at: Date): WeatherObservation {
  return {
    provider,
    observedAt: at.toISOString(),
    gridLat: 51.5,
    gridLng: -0.1,
    temperatureC: 9,
    feelsLikeC: 7,
    dewPointC: 4,
    humidityPct: 80,
    pressureHpa: 1012,
    windSpeedMps: 3,
    windGustMps: null,
    windDeg: 200,
    precipitationMm: 0,
    cloudCoverPct: 50,
    visibilityM: null,
    weatherCode: 2,
    description: 'partly cloudy',
    icon: '02d',
  };
}

describe.each(ADAPTERS)('GET /api/estimate on %s', (kind) => {
  let t: TestDatabase;
  let h: StravaHarness;
  let server: RunningServer;
  let unconfigured: RunningServer;
  const logs = captureLogs();
  let nextId = 3_000_000_000;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    h = await startStravaHarness(t.db, { activityCount: 450 });
    const app = (estimate?: EstimateSettings) =>
      createApp({
        db: t.db,
        clock: h.clock,
        logger: logs.logger,
        auth: createJwtVerifier({ secret: JWT_SECRET }),
        strava: h.routeDeps({ jwtSecret: JWT_SECRET, publicUrl: 'http://localhost:8787' }),
        estimate,
      });
    server = await startServer(app(SETTINGS), { port: 0 });
    unconfigured = await startServer(app(), { port: 0 });
  });
  afterAll(async () => {
    await server.close();
    await unconfigured.close();
    await h.close();
    await t.dispose();
  });

  async function newUser() {
    const id = await insertUser(t.db);
    return { id, authorization: `Bearer ${await signAccessToken(JWT_SECRET, { sub: id })}` };
  }

  async function store(userId: string, runs: readonly SeededRun[]) {
    for (const run of runs) {
      await t.db.query(
        `insert into activities (id, user_id, athlete_id, name, sport_type, start_date, start_date_local,
           distance_m, moving_time_s, elapsed_time_s, start_lat, start_lng, strava_summary, weather_status)
         values ($1, $2, 1, 'Run', $3, $4, $4::timestamptz::timestamp, 5000, $5, $5, $6, $7, '{}', $8)`,
        [
          String(nextId++),
          userId,
          run.virtual ? 'VirtualRun' : 'Run',
          run.start.toISOString(),
          run.elapsedS,
          run.lat,
          run.lng,
          run.virtual ? 'not_applicable' : 'pending',
        ],
      );
    }
  }

  async function estimateOf(authorization: string, url = server.url): Promise<EstimateView> {
    const response = await fetch(`${url}/api/estimate`, { headers: { authorization } });
    expect(response.status).toBe(200);
    return (await response.json()) as EstimateView;
  }

  /** Strava's own figures for the simulated athlete, read over HTTP as any client would. */
  async function stravaStats() {
    const { access_token } = h.sim.issueTokens(Number(h.athleteId));
    const response = await fetch(`${h.apiUrl}/athletes/${h.athleteId}/stats`, {
      headers: { authorization: `Bearer ${access_token}` },
    });
    const stats = (await response.json()) as Record<string, { count: number }>;
    return {
      runs: stats.all_run_totals!.count,
      listed:
        stats.all_run_totals!.count + stats.all_ride_totals!.count + stats.all_swim_totals!.count,
    };
  }

  it('needs a signed-in user', async () => {
    const response = await fetch(`${server.url}/api/estimate`);
    expect(response.status).toBe(401);
    expect((await errorOf(response)).code).toBe('missing_token');
  });

  it('answers 503 with a plain message where the server has no weather settings', async () => {
    const user = await newUser();
    const response = await fetch(`${unconfigured.url}/api/estimate`, {
      headers: { authorization: user.authorization },
    });
    expect(response.status).toBe(503);
    expect(await errorOf(response)).toMatchObject({
      code: 'estimate_unavailable',
      message: expect.stringContaining('cannot estimate'),
    });
  });

  it('counts the stored runs exactly as estimateEnrichment does, minus what is cached', async () => {
    const user = await newUser();
    const runs = history(40, Date.parse('2025-06-01T06:00:00Z'), LONDON, PARIS);
    await store(user.id, runs);
    const points = pointsOf(runs);
    // Two of the runs' weather hours and the Paris doorstep are cached for the configured
    // providers; a third hour only for Open-Meteo, which this server does not ask.
    const [first, second, third] = points as [EstimatePoint, EstimatePoint, EstimatePoint];
    const slot = (p: EstimatePoint) => weatherSlotOf(p.lat, p.lng, p.at.getTime());
    await storeWeather(t.db, [
      { slot: slot(first), observation: observation('openweathermap', first.at) },
      { slot: slot(second), observation: observation('openweathermap', second.at) },
      { slot: slot(third), observation: observation('open-meteo', third.at) },
    ]);
    const paris = cellOf(PARIS.lat, PARIS.lng, PLACE_CELLS_PER_DEGREE);
    await storePlaces(t.db, [
      {
        cell: paris,
        outcome: {
          kind: 'found',
          place: {
            provider: 'nominatim',
            city: 'Paris',
            state: 'Île-de-France',
            country: 'France',
            countryCode: 'FR',
          },
          raw: {},
        },
      },
    ]);
    const expected = estimateEnrichment(points, {
      ...SETTINGS,
      // After the listing: the stats and one short page, a second each.
      startMs: h.clock.now() + 3 * STRAVA_CALL_MS,
      cached: {
        weather: new Set([weatherSlotKey(slot(first)), weatherSlotKey(slot(second))]),
        places: new Set([cellKey(paris)]),
      },
    });

    const estimate = await estimateOf(user.authorization);
    expect(estimate.activities).toEqual({
      expected: 40,
      range: { low: 40, high: 40 },
      stored: 40,
      basis: 'stored',
      note: 'Strava is not connected. The estimate counts only the runs already stored.',
    });
    const { finishesAtMs, ...weather } = expected.weather;
    expect(estimate.weather).toEqual({
      ...weather,
      finishesAt: new Date(finishesAtMs as number).toISOString(),
    });
    expect(estimate.places).toEqual(expected.places);
    // 38 runs with real coordinates on 38 different days, two of them cached; London only.
    expect(estimate.weather.calls).toBe(36);
    expect(estimate.places.calls).toBe(1);
    // The stats, then one short page of the list.
    expect(estimate.strava).toEqual({ calls: 3, durationMs: 3 * STRAVA_CALL_MS });
    expect(estimate.durationMs).toBe(estimate.strava.durationMs + expected.durationMs);
    expect(estimate.durationRangeMs).toEqual({
      low: estimate.durationMs,
      high: estimate.durationMs,
    });
    expect(estimate.computedAt).toBe(new Date(h.clock.now()).toISOString());

    // Another runner sees none of it.
    const other = await newUser();
    const empty = await estimateOf(other.authorization);
    expect(empty.activities).toMatchObject({ expected: 0, stored: 0 });
    expect(empty.weather.calls).toBe(0);
    expect(empty.places.calls).toBe(0);
  });

  it('expects Strava’s totals when connected, and asks Strava once per ten minutes', async () => {
    const user = await newUser();
    await h.connect(user.id);
    // Places no other runner here has used, so the shared caches hold nothing of theirs.
    const runs = history(
      12,
      Date.parse('2025-09-01T06:00:00Z'),
      { lat: 40.4168, lng: -3.7038 },
      { lat: 41.3874, lng: 2.1686 },
    );
    await store(user.id, runs);
    const strava = await stravaStats();
    const statsCallsBefore = h.sim.inspect().byEndpoint[STATS_ENDPOINT]?.['200'] ?? 0;

    const estimate = await estimateOf(user.authorization);
    // Strava counts only public runs: the estimate expects the share runners hide on top,
    // says so, and gives the range from the public runs alone to a third hidden.
    const expected = Math.round(strava.runs / (1 - HIDDEN_SHARE));
    expect(estimate.activities).toEqual({
      expected,
      range: { low: strava.runs, high: Math.round(strava.runs / (1 - MAX_HIDDEN_SHARE)) },
      stored: 12,
      basis: 'strava_totals',
      note: PUBLIC_ONLY_NOTE,
    });
    // Every type is listed, not only those Strava totals: at least the pages of its totals.
    expect(estimate.strava.calls).toBeGreaterThanOrEqual(2 + Math.floor(strava.listed / 200) + 1);

    // Runs not stored yet are counted like the stored ones: as many with GPS, lookups to do.
    const known = pointsOf(runs).length;
    expect(estimate.weather.lookups).toBe(known + Math.round(((expected - 12) * known) / 12));
    expect(estimate.places.lookups).toBe(estimate.weather.lookups);
    expect(estimate.durationRangeMs.low).toBeLessThan(estimate.durationMs);
    expect(estimate.durationRangeMs.high).toBeGreaterThan(estimate.durationMs);

    await estimateOf(user.authorization);
    expect(h.sim.inspect().byEndpoint[STATS_ENDPOINT]?.['200']).toBe(statsCallsBefore + 1);
    h.clock.advance(STRAVA_TOTALS_MEMO_MS + 1);
    expect((await estimateOf(user.authorization)).activities.basis).toBe('strava_totals');
    expect(h.sim.inspect().byEndpoint[STATS_ENDPOINT]?.['200']).toBe(statsCallsBefore + 2);
  });

  it('falls back to the stored runs, and says why, when Strava fails', async () => {
    const user = await newUser();
    // The simulated athlete is one: it moves to this runner.
    await t.db.query('delete from strava_connections');
    await h.connect(user.id);
    const runs = history(7, Date.parse('2025-11-01T06:00:00Z'), LONDON, PARIS);
    await store(user.id, runs);
    h.sim.faults.set({ errorRates: { 503: 1 } });
    try {
      const correlationId = 'estimate-without-strava';
      const response = await fetch(`${server.url}/api/estimate`, {
        headers: { authorization: user.authorization, 'x-correlation-id': correlationId },
      });
      expect(response.status).toBe(200);
      const estimate = (await response.json()) as EstimateView;
      expect(estimate.activities).toEqual({
        expected: 7,
        range: { low: 7, high: 7 },
        stored: 7,
        basis: 'stored',
        note: 'Strava is having trouble answering right now. The estimate counts only the runs already stored.',
      });
      // A run a day, each its own hour: one One Call each.
      expect(estimate.weather.calls).toBe(pointsOf(runs).length);
      expect(logs.entries()).toContainEqual(
        expect.objectContaining({
          correlationId,
          msg: 'estimate without Strava totals',
          code: 'strava_unavailable',
        }),
      );
      expect(h.sim.inspect().byEndpoint['GET /api/v3/athlete']?.['503']).toBeGreaterThan(0);
    } finally {
      h.sim.faults.reset();
    }
  });

  it('times Strava’s calls under its read limits, waiting out a spent window', async () => {
    const user = await newUser();
    const ledger = createApiLedger(t.db, h.clock);
    const now = h.clock.now();
    await ledger.observe('strava', [
      { bucket: 'read:15min', window: '15min', limit: 100, used: 100 },
    ]);
    const quarterEnd = windowAt('15min', now).end.getTime();
    expect((await estimateOf(user.authorization)).strava).toEqual({
      calls: 3,
      durationMs: quarterEnd - now + 3 * STRAVA_CALL_MS,
    });
    await ledger.observe('strava', [
      { bucket: 'read:daily', window: 'daily', limit: 1000, used: 1000 },
    ]);
    const midnight = windowAt('daily', now).end.getTime();
    expect((await estimateOf(user.authorization)).strava).toEqual({
      calls: 3,
      durationMs: midnight - now + 3 * STRAVA_CALL_MS,
    });
  });
  it('counts the runs a cancelled backfill left waiting as lookups, cached ones free', async () => {
    const user = await newUser();
    const runs = history(20, Date.parse('2024-02-01T06:00:00Z'), LONDON, PARIS);
    await store(user.id, runs);
    const points = pointsOf(runs);
    // The backfill stored them all, then was cancelled: the first eight got their weather
    // (their hours are cached), the rest still wait.
    const slot = (p: EstimatePoint) => weatherSlotOf(p.lat, p.lng, p.at.getTime());
    await storeWeather(
      t.db,
      points
        .slice(0, 8)
        .map((p) => ({ slot: slot(p), observation: observation('openweathermap', p.at) })),
    );
    await t.db.query(
      `update activities set weather_status = 'enriched'
       where id in (select id from activities where user_id = $1 and weather_status = 'pending'
                      and start_lat is not null order by start_date limit 8)`,
      [user.id],
    );
    let estimate = await estimateOf(user.authorization);
    expect(estimate.weather).toMatchObject({
      lookups: points.length - 8,
      cacheHits: 0,
      calls: points.length - 8,
    });
    // Cached meanwhile (another runner's sync, or this one's before it was cancelled): still
    // lookups to do, none of them a call.
    await t.db.query(
      `update activities set weather_status = 'pending' where user_id = $1
         and weather_status = 'enriched'`,
      [user.id],
    );
    estimate = await estimateOf(user.authorization);
    expect(estimate.weather).toMatchObject({ lookups: points.length, cacheHits: 8 });
    expect(estimate.weather.calls).toBe(points.length - 8);
    expect(estimate.places.lookups).toBe(points.length);
  });

  it('counts deleted runs as to do again: restored as they were, cache hits free', async () => {
    const user = await newUser();
    await t.db.query('delete from strava_connections');
    // The test before spent Strava's whole day in the ledger.
    await t.db.query("delete from api_budget where provider = 'strava'");
    await h.connect(user.id);
    const strava = await stravaStats();
    const runs = history(12, Date.parse('2023-04-01T06:00:00Z'), LONDON, PARIS);
    await store(user.id, runs);
    const points = pointsOf(runs);
    const slot = (p: EstimatePoint) => weatherSlotOf(p.lat, p.lng, p.at.getTime());
    await storeWeather(
      t.db,
      points.map((p) => ({ slot: slot(p), observation: observation('openweathermap', p.at) })),
    );
    // Deleted here while Strava still has them: a backfill lists them again and restores them
    // with the statuses they had. Waiting runs are lookups again, answered by the cache.
    await t.db.query('update activities set deleted_at = now() where user_id = $1', [user.id]);
    const expected = Math.round(strava.runs / (1 - HIDDEN_SHARE));
    const unknown = Math.round((expected - runs.length) * GPS_SHARE);
    const deleted = await estimateOf(user.authorization);
    expect(deleted.activities).toMatchObject({ expected, stored: 0, note: PUBLIC_ONLY_NOTE });
    expect(deleted.weather.lookups).toBe(points.length + unknown);
    expect(deleted.weather.cacheHits).toBe(points.length);
    expect(deleted.weather.calls).toBe(unknown);

    // Deleted for good (a disconnect with purge): nothing is known of them but their number.
    // All are to do again; at best every lookup is a cache hit, which the range's low end says.
    await t.db.withTransaction((tx) => purgeUserData(tx, user.id));
    const purged = await estimateOf(user.authorization);
    expect(purged.activities).toMatchObject({ expected, stored: 0 });
    expect(purged.weather.lookups).toBe(Math.round(expected * GPS_SHARE));
    expect(purged.durationRangeMs.low).toBeLessThan(purged.durationMs / 10);
  });

  /** Every run of the simulated athlete as Strava lists it, newest first, with its start point. */
  async function stravaRuns(userId: string): Promise<EstimatePoint[]> {
    const { access_token } = h.sim.issueTokens(Number(h.athleteId));
    const points: EstimatePoint[] = [];
    for (let page = 1; ; page++) {
      const response = await fetch(`${h.apiUrl}/athlete/activities?per_page=200&page=${page}`, {
        headers: { authorization: `Bearer ${access_token}` },
      });
      const records = (await response.json()) as unknown[];
      if (records.length === 0) return points;
      for (const record of records) {
        const parsed = parseActivityOrReject(record, userId);
        if (!parsed.ok || !isRunActivity(parsed.row)) continue;
        const { start_lat, start_lng, start_date, elapsed_time_s, weather_status } = parsed.row;
        if (start_lat === null || start_lng === null || weather_status === 'not_applicable')
          continue;
        points.push({
          lat: start_lat,
          lng: start_lng,
          at: runMidpoint(new Date(start_date), elapsed_time_s),
        });
      }
    }
  }

  const LIST_ENDPOINT = 'GET /api/v3/athlete/activities';
  const listCalls = () => h.sim.inspect().byEndpoint[LIST_ENDPOINT]?.['200'] ?? 0;

  it('samples Strava’s newest page for what the caches hold of runs not stored here', async () => {
    await t.db.query('delete from strava_connections');
    await t.db.query("delete from api_budget where provider = 'strava'");
    await t.db.query('delete from weather_cache');
    await t.db.query('delete from place_cache');
    const newcomer = await newUser();
    await h.connect(newcomer.id);
    // Caches empty: nothing to sample, Strava's page is not asked for.
    const before = listCalls();
    const fresh = await estimateOf(newcomer.authorization);
    expect(listCalls()).toBe(before);
    expect(fresh.activities.note).toBe(PUBLIC_ONLY_NOTE);
    expect(fresh.places.calls).toBeGreaterThan(0);

    // A purged runner comes back: the shared caches still hold every hour and cell of theirs.
    const points = await stravaRuns(newcomer.id);
    expect(points.length).toBeGreaterThan(200);
    const slots = new Map(points.map((p) => [slotKeyOf(p), p]));
    await storeWeather(
      t.db,
      [...slots.values()].map((p) => ({
        slot: weatherSlotOf(p.lat, p.lng, p.at.getTime()),
        observation: observation('openweathermap', p.at),
      })),
    );
    const cells = new Map(points.map((p) => [placeKeyOf(p), p]));
    const place = (p: EstimatePoint) => ({
      cell: cellOf(p.lat, p.lng, PLACE_CELLS_PER_DEGREE),
      outcome: {
        kind: 'found' as const,
        place: {
          provider: 'nominatim' as const,
          city: 'Town',
          state: null,
          country: 'Land',
          countryCode: 'LD',
        },
        raw: {},
      },
    });
    await storePlaces(t.db, [...cells.values()].map(place));
    const listed = listCalls();
    const purged = await estimateOf(newcomer.authorization);
    expect(listCalls()).toBe(listed + 1);
    expect(purged.weather.lookups).toBe(fresh.weather.lookups);
    expect(purged.weather.calls).toBe(0);
    expect(purged.places.calls).toBe(0);
    expect(purged.activities.note).toContain(PUBLIC_ONLY_NOTE);
    expect(purged.activities.note).toMatch(
      /100 % of their places and 100 % of their weather hours/,
    );
    // The range's high end counts none of them cached: the sample is of the newest runs only.
    expect(purged.durationRangeMs.high).toBeGreaterThanOrEqual(fresh.durationMs);
    expect(purged.durationMs).toBeLessThan(fresh.durationMs / 10);

    // A neighbour's share: half the cells cached, about half the place calls. The page is
    // memoised: Strava is not asked again.
    await t.db.query('delete from place_cache');
    await storePlaces(t.db, [...cells.values()].filter((_, i) => i % 2 === 0).map(place));
    const half = await estimateOf(newcomer.authorization);
    expect(listCalls()).toBe(listed + 1);
    expect(half.places.calls).toBeGreaterThan(fresh.places.calls * 0.3);
    expect(half.places.calls).toBeLessThan(fresh.places.calls * 0.7);
    expect(half.activities.note).toMatch(
      /of your \d+ newest runs not stored here, (4[0-9]|5[0-9]) % of their places/i,
    );
  });
  it('says how many runs get weather today and the day the rest is done, from the ledger', async () => {
    const limits = { openWeatherMap: { oneCallPerDay: 10 } };
    const capped = await startServer(
      createApp({
        db: t.db,
        clock: h.clock,
        logger: logs.logger,
        auth: createJwtVerifier({ secret: JWT_SECRET }),
        estimate: { ...SETTINGS, limits },
      }),
      { port: 0 },
    );
    try {
      const user = await newUser();
      // 38 runs with GPS on 38 days: 38 One Call calls, one per run.
      await store(user.id, history(40, Date.parse('2025-03-01T06:00:00Z'), LONDON, PARIS));
      // 4 of today's 10 are spent already (another runner's sync), so 6 are left today.
      const oneCall = budgetOf(PROVIDER_BUDGETS.oneCall, resolveLimits(limits).openWeatherMap);
      await createApiLedger(t.db, h.clock).reserve(
        LEDGER_PROVIDER.openWeatherMap,
        budgetLines(oneCall),
        4,
      );
      const { weather } = await estimateOf(user.authorization, capped.url);
      expect(weather.calls).toBe(38);
      expect(weather.runsToday).toBe(6);
      // The other 32 at 10 a day after each midnight UTC: 10, 10, 10 and the last 2 on day 4.
      expect(weather.days).toBe(5);
      const today = windowAt('daily', h.clock.now()).start.getTime();
      const finishes = Date.parse(weather.finishesAt as string);
      expect(windowAt('daily', finishes).start.getTime()).toBe(today + 4 * 24 * HOUR_MS);
    } finally {
      await capped.close();
    }
  });
});
