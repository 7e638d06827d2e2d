import { z } from 'zod';
import { DAY_MS } from '../../grid-cell.ts';
import { type Quantity, toSi } from '../../weather/si-units.ts';
import { describeWmoCode } from '../../weather/weather-conditions.ts';
import type { WeatherObservation } from '../../weather/weather-observation.ts';
import type { DayRange } from './archive-chunks.ts';

/**
 * The Open-Meteo archive's request and answer, without I/O. Asked with `timezone=GMT` (so
 * `start_date`/`end_date` are UTC days and a run at 00:30 in Tokyo is found on the previous
 * UTC day), `timeformat=unixtime` (rows are instants, no local labels to misread) and
 * `wind_speed_unit=ms` (Open-Meteo's default is km/h). Values are still converted by the
 * `hourly_units` labels the answer carries, so an answer in other units is converted, not
 * misread.
 *
 * Row T is taken as the hour [T, T + 1 h), the same slot the cache keys on: instantaneous
 * values (temperature) are for T itself, sums (precipitation) for the hour before T, so the
 * value is at most an hour from the run's midpoint either way.
 */

export const ARCHIVE_HOURLY_VARIABLES = [
  'temperature_2m',
  'apparent_temperature',
  'dew_point_2m',
  'relative_humidity_2m',
  'pressure_msl',
  'precipitation',
  'cloud_cover',
  'wind_speed_10m',
  'wind_gusts_10m',
  'wind_direction_10m',
  'weather_code',
  'is_day',
] as const;
type HourlyVariable = (typeof ARCHIVE_HOURLY_VARIABLES)[number];

const UNIT_OF: Partial<Record<HourlyVariable, Quantity>> = {
  temperature_2m: 'temperature',
  apparent_temperature: 'temperature',
  dew_point_2m: 'temperature',
  precipitation: 'precipitation',
  wind_speed_10m: 'speed',
  wind_gusts_10m: 'speed',
};

export function archiveSearchParams(lat: number, lng: number, range: DayRange): URLSearchParams {
  return new URLSearchParams({
    latitude: lat.toFixed(1),
    longitude: lng.toFixed(1),
    start_date: isoDay(range.startDay),
    end_date: isoDay(range.endDay),
    hourly: ARCHIVE_HOURLY_VARIABLES.join(','),
    timezone: 'GMT',
    timeformat: 'unixtime',
    temperature_unit: 'celsius',
    wind_speed_unit: 'ms',
    precipitation_unit: 'mm',
  });
}

export function isoDay(epochDay: number): string {
  return new Date(epochDay * DAY_MS).toISOString().slice(0, 10);
}

const column = z.array(z.number().nullable());
const hourlyColumns = Object.fromEntries(
  ARCHIVE_HOURLY_VARIABLES.map((name) => [name, column]),
) as Record<HourlyVariable, typeof column>;
const archiveBodySchema = z.looseObject({
  latitude: z.number(),
  longitude: z.number(),
  hourly_units: z.record(z.string(), z.string()),
  hourly: z.looseObject({
    time: z.array(z.number()),
    ...hourlyColumns,
  }),
});

/** One row: an observation, or `missing` when the archive has no value for the hour yet. */
export type ArchiveRow = WeatherObservation | 'missing';

/**
 * The rows of an archive body by hour start (epoch ms), or a reason when the body cannot be
 * trusted (wrong shape, a unit we cannot convert).
 */
export function parseArchiveBody(body: unknown): Map<number, ArchiveRow> | string {
  const parsed = archiveBodySchema.safeParse(body);
  if (!parsed.success) {
    return `Open-Meteo sent an unexpected archive body: ${parsed.error.issues[0]?.message}`;
  }
  const { latitude, longitude, hourly_units: units, hourly } = parsed.data;
  for (const [name, quantity] of Object.entries(UNIT_OF)) {
    const unit = units[name];
    if (unit === undefined || toSi(quantity, 0, unit) === undefined) {
      return `Open-Meteo reported ${name} in an unknown unit '${unit}'`;
    }
  }
  const valueAt = (name: HourlyVariable, i: number): number | null => {
    const raw = hourly[name][i] ?? null;
    const quantity = UNIT_OF[name];
    if (raw === null || quantity === undefined) return raw;
    return toSi(quantity, raw, units[name] ?? '') ?? null;
  };
  const rows = new Map<number, ArchiveRow>();
  hourly.time.forEach((seconds, i) => {
    rows.set(seconds * 1000, archiveRow(i, seconds * 1000, valueAt, latitude, longitude));
  });
  return rows;
}

function archiveRow(
  i: number,
  hourMs: number,
  valueAt: (name: HourlyVariable, i: number) => number | null,
  gridLat: number,
  gridLng: number,
): ArchiveRow {
  const temperatureC = valueAt('temperature_2m', i);
  const humidityPct = valueAt('relative_humidity_2m', i);
  const windSpeedMps = valueAt('wind_speed_10m', i);
  const precipitationMm = valueAt('precipitation', i);
  // The archive returns nulls for hours its reanalysis has not reached yet.
  if (
    temperatureC === null ||
    humidityPct === null ||
    windSpeedMps === null ||
    precipitationMm === null
  ) {
    return 'missing';
  }
  const code = valueAt('weather_code', i);
  const sky =
    code === null
      ? { description: null, icon: null }
      : describeWmoCode(code, valueAt('is_day', i) !== 0);
  return {
    provider: 'open-meteo',
    observedAt: new Date(hourMs).toISOString(),
    gridLat,
    gridLng,
    temperatureC,
    feelsLikeC: valueAt('apparent_temperature', i),
    dewPointC: valueAt('dew_point_2m', i),
    humidityPct,
    pressureHpa: valueAt('pressure_msl', i),
    windSpeedMps,
    windGustMps: valueAt('wind_gusts_10m', i),
    windDeg: valueAt('wind_direction_10m', i),
    precipitationMm,
    cloudCoverPct: valueAt('cloud_cover', i),
    visibilityM: null, // ERA5 has no visibility; the archive refuses the variable
    weatherCode: code,
    ...sky,
  };
}

/** `…out of allowed range from 1940-01-01 to 2026-03-05` → the archive's last day (epoch day). */
export function archiveLastDay(reason: string): number | undefined {
  const match = /out of allowed range from \d{4}-\d{2}-\d{2} to (\d{4}-\d{2}-\d{2})/.exec(reason);
  return match?.[1] ? Date.parse(`${match[1]}T00:00:00Z`) / DAY_MS : undefined;
}
