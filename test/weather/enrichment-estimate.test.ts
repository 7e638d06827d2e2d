import { describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS, weatherSlotKey, weatherSlotOf } from '../../src/enrichment/grid-cell.ts';
import {
  type EstimatePoint,
  estimateEnrichment,
  OWM_ONE_CALL_PRICING,
} from '../../src/estimate/enrichment-estimate.ts';

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
    });
    expect(estimate.weather).toMatchObject({ calls: 2500, quotaUnits: 2500, days: 3, costUsd: 0 });
    // Two spent days, then 500 calls at the 60-per-minute key limit.
    expect(estimate.weather.durationMs).toBe(2 * DAY_MS + 500 * 1000);
    expect(estimate.places).toMatchObject({ calls: 1, days: 1 });
  });

  it('OpenWeatherMap: with the cap raised, the calls past 1,000 a day are billed', () => {
    const estimate = estimateEnrichment(dailyRuns(2500), {
      weatherProvider: 'openweathermap',
      placeProvider: 'openweathermap',
      limits: { openWeatherMap: { oneCallPerDay: 2500, perMinute: 600 } },
    });
    expect(estimate.weather.days).toBe(1);
    expect(estimate.weather.costUsd).toBe(1500 * OWM_ONE_CALL_PRICING.usdPerCall); // $2.25
  });

  it('Open-Meteo: a daily runner’s years at home are a few weighted calls, free', () => {
    const estimate = estimateEnrichment(dailyRuns(365 * 3), {
      weatherProvider: 'open-meteo',
      placeProvider: 'nominatim',
    });
    expect(estimate.weather.calls).toBe(3); // 366-day ranges
    expect(estimate.weather.quotaUnits).toBe(
      Math.ceil((366 / 14) * 1.2) * 2 + Math.ceil((363 / 14) * 1.2),
    );
    expect(estimate.weather.costUsd).toBe(0);
    expect(estimate.places.durationMs).toBe(1000); // one cell at Nominatim's 1/s
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
    });
    expect(estimate.weather.calls).toBe(6);
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
      { weatherProvider: 'openweathermap', placeProvider: 'nominatim' },
    );
    expect(estimate.weather.calls).toBe(1);
    expect(estimate.places.calls).toBe(2);
  });
});
