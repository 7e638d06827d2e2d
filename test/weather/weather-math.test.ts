import { describe, expect, it } from 'vitest';
import { describeSky } from '../../sim/weather/conditions.ts';
import { gridCell } from '../../sim/weather/weather-model.ts';
import { cellOf, weatherSlotKey, weatherSlotOf } from '../../src/enrichment/grid-cell.ts';
import {
  archiveCallWeight,
  planArchiveChunks,
} from '../../src/enrichment/providers/open-meteo/archive-chunks.ts';
import { nextRetryAt } from '../../src/enrichment/retry-backoff.ts';
import { findImplausible } from '../../src/enrichment/weather/plausibility.ts';
import { runMidpoint } from '../../src/enrichment/weather/run-midpoint.ts';
import { toSi } from '../../src/enrichment/weather/si-units.ts';
import {
  describeWmoCode,
  wmoCodeOfOwmCondition,
} from '../../src/enrichment/weather/weather-conditions.ts';
import type { WeatherObservation } from '../../src/enrichment/weather/weather-observation.ts';

const at = (iso: string) => Date.parse(iso);

describe('grid cells', () => {
  it('rounds to the cell whose digits the coordinate has, like the providers’ grids', () => {
    expect(cellOf(-74.05, 40.75, 10)).toEqual({ latCell: -740, lngCell: 408 }); // half up
    expect(cellOf(40.7128, -74.006, 10)).toEqual({ latCell: 407, lngCell: -740 });
    expect(cellOf(40.7128, -74.006, 100)).toEqual({ latCell: 4071, lngCell: -7401 });
    for (const [lat, lng] of [
      [-33.8688, 151.2093],
      [51.55, -0.05],
      [-0.04, -0.04],
      [64.1466, -21.9426],
    ] as const) {
      const cell = cellOf(lat, lng, 10);
      expect({ lat: cell.latCell / 10, lng: cell.lngCell / 10 }).toEqual(gridCell(lat, lng));
    }
  });

  it('makes the date line one cell: +180 and −180 are one meridian', () => {
    expect(cellOf(-17, 179.97, 10)).toEqual(cellOf(-17, -179.98, 10));
    expect(cellOf(-17, 179.97, 10).lngCell).toBe(-1800);
    expect(cellOf(10, 180, 100).lngCell).toBe(-18000);
  });

  it('keys a slot by cell and UTC hour, whatever the minute', () => {
    const a = weatherSlotOf(52.52, 13.405, at('2025-06-01T10:59:59Z'));
    const b = weatherSlotOf(52.54, 13.41, at('2025-06-01T10:00:00Z'));
    expect(weatherSlotKey(a)).toBe(weatherSlotKey(b));
    expect(a.hourMs).toBe(at('2025-06-01T10:00:00Z'));
  });
});

describe('run midpoint', () => {
  it('is start + elapsed / 2 in epoch time', () => {
    expect(runMidpoint(new Date('2025-06-01T06:00:00Z'), 3600)).toEqual(
      new Date('2025-06-01T06:30:00Z'),
    );
    expect(runMidpoint(new Date('2025-06-01T06:00:00Z'), 0)).toEqual(
      new Date('2025-06-01T06:00:00Z'),
    );
  });

  it('ignores a DST change: a 2 h run from 01:30 EST on the spring-forward night', () => {
    // 01:30 EST = 06:30Z; local clocks jump 02:00 → 03:00, the run still lasts 2 h.
    expect(runMidpoint(new Date('2025-03-09T06:30:00Z'), 7200)).toEqual(
      new Date('2025-03-09T07:30:00Z'),
    );
  });
});

describe('archive chunks', () => {
  it('joins days whose gaps are cheaper to bridge than a new call, and caps the length', () => {
    expect(planArchiveChunks([10, 11, 11, 26, 200, 190])).toEqual([
      { startDay: 10, endDay: 26 },
      { startDay: 190, endDay: 200 },
    ]);
    expect(planArchiveChunks([0, 10, 20, 30], { mergeGapDays: 14, maxChunkDays: 21 })).toEqual([
      { startDay: 0, endDay: 20 },
      { startDay: 30, endDay: 30 },
    ]);
    expect(planArchiveChunks([])).toEqual([]);
  });

  it('weighs calls as Open-Meteo does', () => {
    expect(archiveCallWeight({ startDay: 0, endDay: 13 }, 12)).toBeCloseTo(1.2);
    expect(archiveCallWeight({ startDay: 0, endDay: 27 }, 20)).toBe(4);
    expect(archiveCallWeight({ startDay: 0, endDay: 0 }, 5)).toBe(1);
  });
});

describe('units', () => {
  it('converts by the label the provider reports', () => {
    expect(toSi('speed', 18, 'km/h')).toBe(5);
    expect(toSi('speed', 10, 'mp/h')).toBe(4.47);
    expect(toSi('speed', 10, 'kn')).toBe(5.14);
    expect(toSi('speed', 5.1, 'm/s')).toBe(5.1);
    expect(toSi('temperature', 50, '°F')).toBe(10);
    expect(toSi('temperature', 279.13, 'K')).toBe(5.98);
    expect(toSi('precipitation', 0.1, 'inch')).toBe(2.54);
    expect(toSi('speed', 3, 'furlongs/fortnight')).toBeUndefined();
  });
});

const plausible: WeatherObservation = {
  provider: 'open-meteo',
  observedAt: '2025-06-01T10:00:00.000Z',
  gridLat: 52.5,
  gridLng: 13.4,
  temperatureC: 18.2,
  feelsLikeC: 17,
  dewPointC: 9.1,
  humidityPct: 55,
  pressureHpa: 1013.2,
  windSpeedMps: 4.1,
  windGustMps: 7.5,
  windDeg: 250,
  precipitationMm: 0,
  cloudCoverPct: 40,
  visibilityM: null,
  weatherCode: 2,
  description: 'partly cloudy',
  icon: '03d',
};

describe('plausibility', () => {
  it('accepts real weather, with nulls where a provider reports nothing', () => {
    expect(findImplausible(plausible)).toEqual([]);
  });

  it('names every implausible value', () => {
    const problems = findImplausible({
      ...plausible,
      temperatureC: 80,
      humidityPct: -3,
      windSpeedMps: Number.NaN,
    });
    expect(problems).toHaveLength(3);
    expect(problems[0]).toContain('temperatureC 80 °C is outside -90…60 °C');
    expect(problems[1]).toContain('humidityPct -3 %');
  });

  it('catches Kelvin read as Celsius and a dew point above the temperature', () => {
    expect(findImplausible({ ...plausible, temperatureC: 279.13, dewPointC: 272.88 })).toEqual([
      expect.stringContaining('temperatureC 279.13'),
      expect.stringContaining('dewPointC 272.88'),
    ]);
    expect(findImplausible({ ...plausible, dewPointC: 25 })).toEqual([
      'dewPointC 25 °C is above temperatureC 18.2 °C',
    ]);
  });
});

describe('conditions', () => {
  it('maps OpenWeatherMap ids onto the WMO codes the simulators agree on', () => {
    for (const [id, wmo] of [
      [800, 0],
      [801, 1],
      [802, 2],
      [803, 2],
      [804, 3],
      [741, 45],
      [500, 61],
      [501, 63],
      [502, 65],
      [600, 71],
      [601, 73],
      [602, 75],
      [211, 95],
    ] as const) {
      expect(wmoCodeOfOwmCondition(id)).toBe(wmo);
    }
    expect(wmoCodeOfOwmCondition(999)).toBeNull();
  });

  it('describes WMO codes with OpenWeatherMap’s icon by day and night', () => {
    expect(describeWmoCode(0, true)).toEqual({ description: 'clear sky', icon: '01d' });
    expect(describeWmoCode(63, false)).toEqual({ description: 'moderate rain', icon: '10n' });
    expect(describeWmoCode(42, true)).toEqual({ description: null, icon: null });
    const sky = describeSky(
      { precipitationMm: 0, snowing: false, temperatureC: 10, cloudCover: 5, visibilityM: 10_000 },
      true,
    );
    expect(describeWmoCode(sky.weatherCode, true).icon).toBe(sky.condition.icon);
  });
});

describe('retry backoff', () => {
  it('grows ×4 from 15 minutes and stops at a week', () => {
    const now = at('2026-01-01T00:00:00Z');
    const delays = [1, 2, 3, 4, 5, 6, 9].map((n) => (nextRetryAt(now, n).getTime() - now) / 60_000);
    expect(delays).toEqual([15, 60, 240, 960, 3840, 10_080, 10_080]);
  });
});
