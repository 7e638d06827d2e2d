import { describe, expect, it } from 'vitest';
import { ENRICH_BATCH } from '../../src/enrichment/enrichment-pass.ts';
import { DAY_MS, HOUR_MS, weatherSlotKey, weatherSlotOf } from '../../src/enrichment/grid-cell.ts';
import {
  type EstimatePoint,
  estimateEnrichment,
  OWM_ONE_CALL_PRICING,
} from '../../src/estimate/enrichment-estimate.ts';

/** A UTC midnight well after the runs: the calendar windows start empty, the archive has them all. */
const START = Date.parse('2027-01-01T00:00:00Z');
/** No response time and no work of our own: what the limits alone impose. */
const LIMITS_ONLY = { weatherCallMs: 0, placeCallMs: 0, batchWorkMs: 0 };

/** A daily runner: one run a day for `days` days, from home (one cell) at 06:30 UTC. */
function dailyRuns(days: number, lat = 52.52, lng = 13.405): EstimatePoint[] {
  const first = Date.parse('2020-01-01T06:30:00Z');
  return Array.from({ length: days }, (_, i) => ({ lat, lng, at: new Date(first + i * DAY_MS) }));
}

describe('pre-sync estimate', () => {
  it('OpenWeatherMap: one call per cell and hour, free within the default daily cap', () => {
    const estimate = estimateEnrichment(dailyRuns(2500), {
      weatherProvider: 'openweathermap',
      placeProvider: 'openweathermap',
      startMs: START,
      timing: LIMITS_ONLY,
    });
    expect(estimate.weather).toMatchObject({
      lookups: 2500,
      calls: 2500,
      quotaUnits: 2500,
      days: 3,
      costUsd: 0,
    });
    // Two spent days (each waits for midnight UTC), then 500 calls at the key's 60 a minute:
    // the last in the ninth minute.
    expect(estimate.durationMs).toBe(2 * DAY_MS + 8 * 60_000);
    expect(estimate.places).toMatchObject({ lookups: 2500, calls: 1, days: 1 });
  });

  it('OpenWeatherMap: a day’s quota the ledger has spent already waits for midnight UTC', () => {
    const estimate = estimateEnrichment(dailyRuns(30), {
      weatherProvider: 'openweathermap',
      placeProvider: 'openweathermap',
      startMs: START + 12 * HOUR_MS,
      timing: LIMITS_ONLY,
      spent: [{ name: 'openweathermap:onecall:daily', windowStartMs: START, used: 990 }],
    });
    expect(estimate.weather).toMatchObject({ calls: 30, days: 2 });
    // Ten calls today, the other twenty at the next midnight.
    expect(estimate.durationMs).toBe(12 * HOUR_MS);
  });

  it('OpenWeatherMap: One Call and geocoding share the key’s 60 calls a minute', () => {
    // 50 runs, each in a place cell of its own: 100 calls on one minute line.
    const first = Date.parse('2025-03-01T06:30:00Z');
    const runs = Array.from({ length: 50 }, (_, i) => ({
      lat: 40 + i * 0.2,
      lng: -3,
      at: new Date(first + i * DAY_MS),
    }));
    const estimate = estimateEnrichment(runs, {
      weatherProvider: 'openweathermap',
      placeProvider: 'openweathermap',
      startMs: START,
      timing: { ...LIMITS_ONLY, weatherCallMs: 100, placeCallMs: 100 },
    });
    expect(estimate.weather.calls + estimate.places.calls).toBe(100);
    // 60 calls in the first minute (6 s of answers), the other 40 from the second: 4 s more.
    expect(estimate.durationMs).toBe(60_000 + 40 * 100);
  });

  it('OpenWeatherMap: with the cap raised, the calls past 1,000 a day are billed', () => {
    const estimate = estimateEnrichment(dailyRuns(2500), {
      weatherProvider: 'openweathermap',
      placeProvider: 'openweathermap',
      limits: { openWeatherMap: { oneCallPerDay: 2500, perMinute: 600 } },
      startMs: START,
    });
    expect(estimate.weather.days).toBe(1);
    expect(estimate.weather.costUsd).toBe(1500 * OWM_ONE_CALL_PRICING.usdPerCall); // $2.25
  });

  it('Open-Meteo: one call per cell and date range of each of the sync’s batches', () => {
    const runs = dailyRuns(365 * 3);
    const options = {
      weatherProvider: 'open-meteo',
      placeProvider: 'nominatim',
      startMs: START,
    } as const;
    // The sync's batches of 20 runs: 20 days (the last 15), one range each, weighing 1.2 × 20/14 → 2.
    const sync = estimateEnrichment(runs, options);
    expect(sync.weather.calls).toBe(Math.ceil(runs.length / ENRICH_BATCH));
    expect(sync.weather.quotaUnits).toBe(2 * sync.weather.calls);
    expect(sync.weather.costUsd).toBe(0);
    // The whole history in one slice: a daily runner’s years at home are 366-day ranges.
    const whole = estimateEnrichment(runs, { ...options, batchRuns: runs.length });
    expect(whole.weather.calls).toBe(3);
    expect(whole.weather.quotaUnits).toBe(
      Math.ceil((366 / 14) * 1.2) * 2 + Math.ceil((363 / 14) * 1.2),
    );
    // One place cell: asked once, in the first batch, at Nominatim's pace.
    expect(sync.places).toMatchObject({ calls: 1, cacheHits: sync.weather.calls - 1 });
  });

  it('Open-Meteo: a daily limit spreads the calls over days; the runs of today’s calls get weather today', () => {
    const estimate = estimateEnrichment(dailyRuns(100), {
      weatherProvider: 'open-meteo',
      placeProvider: 'offline',
      startMs: START,
      timing: LIMITS_ONLY,
      limits: { openMeteo: { weightedPerDay: 6, weightedPerMinute: 600 } },
    });
    // Five batches of 20 days, one call of weight 2 each: three fit in today's 6, two tomorrow.
    expect(estimate.weather).toMatchObject({ calls: 5, quotaUnits: 10, days: 2, runsToday: 60 });
    expect(estimate.weather.finishesAtMs).toBe(START + DAY_MS);
  });

  it('Nominatim: one request a second, whatever the response time', () => {
    const runs = Array.from({ length: 30 }, (_, i) => ({
      lat: 48 + i * 0.01,
      lng: 11,
      at: new Date(Date.parse('2025-05-01T06:30:00Z') + i * HOUR_MS),
    }));
    const estimate = estimateEnrichment(runs, {
      weatherProvider: 'open-meteo',
      placeProvider: 'nominatim',
      startMs: START,
      timing: { ...LIMITS_ONLY, placeCallMs: 200 },
    });
    expect(estimate.places.calls).toBe(30);
    expect(estimate.places.durationMs).toBe(29 * 1000 + 200);
    const slowServer = estimateEnrichment(runs, {
      weatherProvider: 'open-meteo',
      placeProvider: 'nominatim',
      startMs: START,
      timing: { ...LIMITS_ONLY, placeCallMs: 1500 },
    });
    expect(slowServer.places.durationMs).toBe(30 * 1500);
  });

  it('runs too recent for the archive wait: looked up, not called for', () => {
    const runs = dailyRuns(10, 52.52, 13.405).map((p, i) => ({
      ...p,
      at: new Date(START - (10 - i) * DAY_MS + 6 * HOUR_MS),
    }));
    const openMeteo = estimateEnrichment(runs, {
      weatherProvider: 'open-meteo',
      placeProvider: 'nominatim',
      startMs: START,
    });
    // Days D−10 … D−5 are in the archive (one range); D−4 … D−1 wait for it.
    expect(openMeteo.weather).toMatchObject({ lookups: 10, waiting: 4, calls: 1 });
    const owm = estimateEnrichment(runs, {
      weatherProvider: 'openweathermap',
      placeProvider: 'nominatim',
      startMs: START,
    });
    expect(owm.weather).toMatchObject({ lookups: 10, waiting: 0, calls: 10 });
  });

  it('counts nothing for what is cached', () => {
    const runs = dailyRuns(10);
    const cached = new Set(
      runs.slice(0, 4).map((p) => weatherSlotKey(weatherSlotOf(p.lat, p.lng, p.at.getTime()))),
    );
    const estimate = estimateEnrichment(runs, {
      weatherProvider: 'openweathermap',
      placeProvider: 'nominatim',
      cached: { weather: cached, places: new Set(['5252:1341']) },
      startMs: START,
    });
    expect(estimate.weather).toMatchObject({ lookups: 10, cacheHits: 4, calls: 6 });
    expect(estimate.places.calls).toBe(0);
  });

  it('asks once for runs in the same cell and hour', () => {
    const at = new Date(Date.parse('2024-05-01T07:00:00Z'));
    const later = new Date(at.getTime() + HOUR_MS / 2);
    const estimate = estimateEnrichment(
      [
        { lat: 52.52, lng: 13.405, at },
        { lat: 52.53, lng: 13.41, at: later },
      ],
      { weatherProvider: 'openweathermap', placeProvider: 'nominatim', startMs: START },
    );
    expect(estimate.weather.calls).toBe(1);
    expect(estimate.places.calls).toBe(2);
  });
});
