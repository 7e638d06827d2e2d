import { Hono } from 'hono';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApiLedger } from '../../src/budget/api-ledger.ts';
import type { Config } from '../../src/config/config.ts';
import { ConfigError, RateLimitedError } from '../../src/core/errors.ts';
import { enrichPending } from '../../src/enrichment/enrich-pending.ts';
import {
  createEnrichmentServices,
  type EnrichmentServicesOptions,
  stridesyncUserAgent,
} from '../../src/enrichment/enrichment-services.ts';
import { NO_NAMED_PLACE } from '../../src/enrichment/geocoding/enrich-places.ts';
import { cellKey, DAY_MS, utcDay, weatherSlotOf } from '../../src/enrichment/grid-cell.ts';
import { planArchiveChunks } from '../../src/enrichment/providers/open-meteo/archive-chunks.ts';
import { estimateEnrichment } from '../../src/estimate/enrichment-estimate.ts';
import { ADAPTERS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';
import { expectWeatherOf } from './expected-weather.ts';
import { insertRun, midpointOf, storedRun, type TestRun, TRICKY_RUNS } from './test-runs.ts';
import {
  answered,
  clearEnrichmentState,
  NOW,
  startWeatherSims,
  type WeatherSims,
} from './weather-sims.ts';

const AT_SEA = new Set([
  'at sea east of the date line',
  'at sea west of the date line: same cell and hour',
]);

/** A runner's home loop in Berlin, every third day for two months, mornings. */
const HOME_RUNS: TestRun[] = Array.from({ length: 20 }, (_, i) => ({
  label: `Berlin home loop ${i}`,
  lat: 52.52 + (i % 3) * 0.01,
  lng: 13.405,
  start: new Date(Date.parse('2025-09-01T05:30:00Z') + i * 3 * DAY_MS).toISOString(),
  elapsedS: 2400 + i * 60,
}));

describe.each(ADAPTERS)('weather and place enrichment on %s', (kind) => {
  let sims: WeatherSims;
  let t: TestDatabase;
  let userId: string;

  const servicesFor = (
    settings: Config['weather'],
    options: Partial<EnrichmentServicesOptions> = {},
  ) => ({
    ...createEnrichmentServices(settings, {
      ledger: createApiLedger(t.db, sims.clock),
      clock: sims.clock,
      userAgent: stridesyncUserAgent('https://runs.example.test'),
      sleep: sims.sleep,
      ...options,
      http: { sleep: sims.sleep, random: () => 0, timeoutMs: 5000, ...options.http },
    }),
    clock: sims.clock,
  });
  const insertAll = (runs: readonly TestRun[], user = userId) =>
    Promise.all(runs.map((run) => insertRun(t.db, user, run)));
  const statuses = async () =>
    (
      await t.db.query<{ weather_status: string; n: string }>(
        'select weather_status, count(*) as n from activities group by 1 order by 1',
      )
    ).rows.map((r) => `${r.weather_status}:${r.n}`);

  beforeAll(async () => {
    sims = await startWeatherSims();
    t = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await t.dispose();
    await sims.close();
  });
  beforeEach(async () => {
    sims.clock.set(NOW);
    sims.owm.reset();
    sims.openMeteo.reset();
    sims.nominatim.reset();
    await clearEnrichmentState(t.db);
    userId = await insertUser(t.db);
  });

  it('with a key: OpenWeatherMap’s weather equals the model, places are the nearby cities', async () => {
    const ids = await insertAll(TRICKY_RUNS);
    const treadmill = await insertRun(t.db, userId, { ...TRICKY_RUNS[0]!, lat: null, lng: null });
    const noGps = await insertRun(t.db, userId, { ...TRICKY_RUNS[0]!, lat: null, lng: null });
    // A run ingest left pending without coordinates (an older ingest) is settled, not looked up.
    await t.db.query(
      `update activities set weather_status = 'pending', place_status = 'pending' where id = $1`,
      [noGps],
    );

    const result = await enrichPending(t.db, servicesFor(sims.settings()), { userId });

    expect(result.weather).toMatchObject({ enriched: 10, notApplicable: 1, unavailable: 0 });
    expect(result.places).toMatchObject({ enriched: 10, notApplicable: 1, unavailable: 0 });
    for (const [i, run] of TRICKY_RUNS.entries()) {
      const stored = await storedRun(t.db, ids[i]!);
      expectWeatherOf(stored, run, 'openweathermap');
      if (AT_SEA.has(run.label)) {
        expect(stored).toMatchObject({
          place_status: 'enriched',
          city: null,
          place_error: NO_NAMED_PLACE,
        });
      } else {
        expect(stored).toMatchObject({
          place_status: 'enriched',
          place_provider: 'openweathermap',
          place_error: null,
        });
        expect(stored.city).not.toBeNull();
      }
    }
    expect(await storedRun(t.db, ids[7]!)).toMatchObject({
      city: 'London',
      state: 'England',
      country: 'United Kingdom',
      country_code: 'GB',
    });
    expect((await storedRun(t.db, noGps)).weather_status).toBe('not_applicable');
    expect((await storedRun(t.db, treadmill)).weather_status).toBe('not_applicable');

    // The estimate counts exactly the calls enrichment made.
    const estimate = estimateEnrichment(
      TRICKY_RUNS.map((run) => ({ lat: run.lat!, lng: run.lng!, at: midpointOf(run) })),
      { weatherProvider: 'openweathermap', placeProvider: 'openweathermap' },
    );
    const requests = sims.owm.inspect().requests;
    expect(estimate.weather.calls).toBe(answered(requests, 'onecall/timemachine'));
    expect(estimate.places.calls).toBe(answered(requests, 'geo/reverse'));
    expect(result.weather.calls).toBe(9);
  });

  it('a second enrichment of the same runs, for this runner or another, makes zero calls', async () => {
    const first = await insertAll(TRICKY_RUNS);
    const services = servicesFor(sims.settings());
    await enrichPending(t.db, services, { userId });
    const afterFirst = sims.owm.inspect().requests.total;

    const again = await enrichPending(t.db, services, { userId });
    expect(again.weather).toMatchObject({ enriched: 0, calls: 0 });

    const otherRunner = await insertUser(t.db);
    const second = await insertAll(TRICKY_RUNS, otherRunner);
    const cached = await enrichPending(t.db, servicesFor(sims.settings()), { userId: otherRunner });
    expect(cached.weather).toMatchObject({ enriched: 10, calls: 0, cacheHits: 9, cacheMisses: 0 });
    expect(cached.places).toMatchObject({ enriched: 10, calls: 0, cacheMisses: 0 });
    expect(sims.owm.inspect().requests.total).toBe(afterFirst);
    expect(sims.nominatim.inspect().requests.total).toBe(0);
    for (const [i, run] of TRICKY_RUNS.entries()) {
      expectWeatherOf(await storedRun(t.db, second[i]!), run, 'openweathermap');
      expect((await storedRun(t.db, second[i]!)).city).toBe(
        (await storedRun(t.db, first[i]!)).city,
      );
    }
  });

  it('without a key: Open-Meteo and Nominatim, one archive call per cell and date range', async () => {
    const runs = [...TRICKY_RUNS, ...HOME_RUNS];
    const ids = await insertAll(runs);
    const result = await enrichPending(
      t.db,
      servicesFor(sims.settings({ openWeatherApiKey: undefined })),
      {
        userId,
      },
    );
    expect(result.weather).toMatchObject({ enriched: runs.length, unavailable: 0 });
    for (const [i, run] of runs.entries()) {
      expectWeatherOf(await storedRun(t.db, ids[i]!), run, 'open-meteo');
    }
    expect((await storedRun(t.db, ids[7]!)).city).toBe('London');
    expect((await storedRun(t.db, ids[7]!)).place_provider).toBe('nominatim');

    const daysByCell = new Map<string, number[]>();
    for (const run of runs) {
      const slot = weatherSlotOf(run.lat!, run.lng!, midpointOf(run).getTime());
      daysByCell.set(cellKey(slot), [
        ...(daysByCell.get(cellKey(slot)) ?? []),
        utcDay(slot.hourMs),
      ]);
    }
    const chunks = [...daysByCell.values()].map((days) => planArchiveChunks(days).length);
    const calls = answered(sims.openMeteo.inspect().requests, 'archive');
    expect(calls).toBe(chunks.reduce((sum, n) => sum + n, 0));
    expect(calls).toBeLessThanOrEqual(daysByCell.size * Math.max(...chunks));
    expect(calls).toBeLessThan(runs.length / 2);
    // The pass above took every run at once (a backfill job's pass), not a sync's batches.
    const estimate = estimateEnrichment(
      runs.map((run) => ({ lat: run.lat!, lng: run.lng!, at: midpointOf(run) })),
      { weatherProvider: 'open-meteo', placeProvider: 'nominatim', batchRuns: runs.length },
    );
    expect(estimate.weather.calls).toBe(calls);
    expect(estimate.places.calls).toBe(answered(sims.nominatim.inspect().requests, 'reverse'));
    expect(estimate.weather.costUsd).toBe(0);
  });

  it('a run too recent for the archive waits, pending, until the archive has its hour', async () => {
    const recent = {
      label: 'yesterday',
      lat: 52.52,
      lng: 13.405,
      start: '2026-03-08T07:00:00Z',
      elapsedS: 3600,
    };
    const [id] = await insertAll([recent]);
    const services = servicesFor(sims.settings({ openWeatherApiKey: undefined }));
    const result = await enrichPending(t.db, services, { userId });
    expect(result.weather).toMatchObject({ enriched: 0, stillPending: 1, calls: 0 });
    expect(await storedRun(t.db, id!)).toMatchObject({
      weather_status: 'pending',
      weather_error: null,
      temperature_c: null,
      weather_retry_at: new Date('2026-03-13T00:00:00Z'),
    });
    sims.clock.set('2026-03-13T00:00:00Z');
    await enrichPending(t.db, services, { userId });
    expectWeatherOf(await storedRun(t.db, id!), recent, 'open-meteo');
  });

  it('when OpenWeatherMap’s circuit opens, Open-Meteo serves; once it recovers, OpenWeatherMap again', async () => {
    const services = servicesFor(sims.settings(), { http: { halfOpenAfterMs: 150 } });
    sims.owm.faults.set({ errorRates: { 500: 1 } });
    const ids = await insertAll(TRICKY_RUNS);
    const result = await enrichPending(t.db, services, { userId });
    expect(result.weather).toMatchObject({ enriched: 10, unavailable: 0 });
    for (const [i, run] of TRICKY_RUNS.entries()) {
      expectWeatherOf(await storedRun(t.db, ids[i]!), run, 'open-meteo');
    }
    // Five calls of four attempts each, then the breaker; places fell to Nominatim likewise.
    expect(sims.owm.inspect().requests.byEndpoint['onecall/timemachine']).toEqual({ '500': 20 });

    sims.owm.faults.set({ errorRates: {} });
    await new Promise((resolve) => setTimeout(resolve, 200)); // the breaker's half-open wait
    const later = await insertAll([{ ...TRICKY_RUNS[7]!, start: '2025-12-01T08:00:00Z' }]);
    await enrichPending(t.db, services, { userId });
    expect((await storedRun(t.db, later[0]!)).weather_provider).toBe('openweathermap');
  });

  it('the daily cap holds: the rest waits untouched, and the caller learns when to resume', async () => {
    const services = servicesFor(sims.settings({ provider: 'openweathermap' }), {
      limits: { openWeatherMap: { oneCallPerDay: 3 } },
    });
    const runs = HOME_RUNS.slice(0, 5);
    const ids = await insertAll(runs);
    const result = await enrichPending(t.db, services, { userId });
    expect(result.weather).toMatchObject({ enriched: 3, stillPending: 2 });
    expect(result.deferral).toMatchObject({
      provider: 'openweathermap',
      until: new Date('2026-03-11T00:00:00Z'),
    });
    expect(result.deferral?.error).toBeInstanceOf(RateLimitedError);
    expect(answered(sims.owm.inspect().requests, 'onecall/timemachine')).toBe(3);
    expect(await statuses()).toEqual(['enriched:3', 'pending:2']);
    const waiting = await t.db.query(
      `select 1 from activities where weather_status = 'pending' and weather_error is null and weather_retry_at is null`,
    );
    expect(waiting.rowCount).toBe(2);
    expect((await storedRun(t.db, ids[0]!)).place_status).toBe('enriched');

    sims.clock.set('2026-03-11T00:00:05Z');
    const next = await enrichPending(t.db, services, { userId });
    expect(next.weather).toMatchObject({ enriched: 2, calls: 2 });
    expect(await statuses()).toEqual(['enriched:5']);
  });

  it('an invalid key is one operator error, and no run is marked', async () => {
    await insertAll(TRICKY_RUNS);
    const services = servicesFor(sims.settings({ openWeatherApiKey: 'revoked-key' }));
    const error = await enrichPending(t.db, services, { userId }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('openweathermap_key_invalid');
    expect((error as ConfigError).hint).toContain('OPENWEATHER_API_KEY');
    const requests = sims.owm.inspect().requests;
    expect(answered(requests, 'onecall/timemachine')).toBe(1);
    expect(answered(requests, 'geo/reverse')).toBe(1);
    const marked = await t.db.query(
      `select 1 from activities where weather_status <> 'pending' or place_status <> 'pending'
         or weather_error is not null or place_error is not null`,
    );
    expect(marked.rowCount).toBe(0);
  });

  it('implausible values are rejected and recorded on the run, never stored or cached', async () => {
    const tamper = new Hono().get('*', async (c) => {
      const upstream = new URL(c.req.url);
      const response = await fetch(`${sims.urls.owm}${upstream.pathname}${upstream.search}`);
      const body = await response.json();
      if (body.data) Object.assign(body.data[0], { temp: 80, humidity: -5 });
      return c.json(body, response.status as 200);
    });
    const services = servicesFor(
      sims.settings({
        provider: 'openweathermap',
        openWeatherApiUrl: sims.mount('tamper', tamper),
      }),
    );
    const [id] = await insertAll([TRICKY_RUNS[7]!]);
    const result = await enrichPending(t.db, services, { userId });
    expect(result.weather).toMatchObject({ enriched: 0, unavailable: 1 });
    const stored = await storedRun(t.db, id!);
    expect(stored).toMatchObject({
      weather_status: 'unavailable',
      temperature_c: null,
      humidity_pct: null,
      weather_attempts: 1,
      weather_retry_at: new Date(Date.parse(NOW) + 15 * 60_000),
    });
    expect(stored.weather_error).toContain('temperatureC 80 °C is outside');
    expect(stored.weather_error).toContain('humidityPct -5 %');
    expect((await t.db.query('select 1 from weather_cache')).rowCount).toBe(0);
  });

  it('an outage leaves runs stored as unavailable with the reason; the backfill retries them', async () => {
    const services = servicesFor(sims.settings({ openWeatherApiKey: undefined }));
    sims.openMeteo.faults.set({ errorRates: { 503: 1 } });
    const ids = await insertAll(HOME_RUNS.slice(0, 3));
    const result = await enrichPending(t.db, services, { userId });
    // Counted from the weather's answer; Open-Meteo's calls are not spaced (the ledger's minute
    // line holds them), so no time went by on this clock.
    const answeredAt = Date.parse(NOW);
    expect(result.weather).toMatchObject({ unavailable: 3 });
    expect(await storedRun(t.db, ids[0]!)).toMatchObject({
      weather_status: 'unavailable',
      weather_error: 'Open-Meteo could not answer this request: HTTP 503: Internal Server Error',
      weather_attempts: 1,
      weather_retry_at: new Date(answeredAt + 15 * 60_000),
    });

    const tooSoon = await enrichPending(t.db, services, { userId });
    expect(tooSoon.weather).toMatchObject({ calls: 0, unavailable: 0, enriched: 0 });

    sims.openMeteo.faults.set({ errorRates: {} });
    sims.clock.advance(16 * 60_000);
    const healed = await enrichPending(t.db, services); // the scheduled backfill: every user
    expect(healed.weather).toMatchObject({ enriched: 3 });
    expect(await storedRun(t.db, ids[0]!)).toMatchObject({
      weather_error: null,
      weather_attempts: 0,
    });
  });
});
