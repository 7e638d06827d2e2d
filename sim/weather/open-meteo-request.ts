import { isIanaTimeZone } from '../../src/core/timezone.ts';
import {
  DEFAULT_UNITS,
  isHourlyVariable,
  type PrecipitationUnit,
  type TemperatureUnit,
  type Units,
  type WindSpeedUnit,
} from './open-meteo-variables.ts';

/**
 * Reads an archive query the way Open-Meteo does and refuses it with Open-Meteo's own reasons
 * (the wording of its `ForecastApiError` and date parsing). A refusal is a string: the reason.
 */

export interface ArchiveQuery {
  points: { latitude: number; longitude: number }[];
  /** Epoch days (UTC) of start_date and end_date, inclusive. */
  startDay: number;
  endDay: number;
  hourly: string[];
  /** `GMT` unless asked; `auto` resolves per point. */
  timezone: string;
  timeformat: 'iso8601' | 'unixtime';
  units: Units;
}

export interface ArchiveWindow {
  /** Epoch day of the archive's first and last day (inclusive). */
  firstDay: number;
  lastDay: number;
  /** The simulator's own cap on days per request (the real API has none this small). */
  maxDays: number;
}

type Query = (name: string) => string | undefined;
type Queries = (name: string) => string[] | undefined;

const DAY_S = 86_400;

export function parseArchiveQuery(
  query: Query,
  queries: Queries,
  window: ArchiveWindow,
): ArchiveQuery | string {
  const points = parsePoints(query('latitude'), query('longitude'));
  if (typeof points === 'string') return points;

  const startText = query('start_date');
  const endText = query('end_date');
  if (!startText || !endText) return "Both 'start_date' and 'end_date' must be set in the url";
  const startDay = parseDay(startText);
  const endDay = parseDay(endText);
  if (typeof startDay === 'string') return startDay;
  if (typeof endDay === 'string') return endDay;
  if (endDay < startDay) return 'End-date must be larger or equals than start-date';
  const allowed = `from ${isoDay(window.firstDay)} to ${isoDay(window.lastDay)}`;
  const inArchive = (day: number) => day >= window.firstDay && day <= window.lastDay;
  if (!inArchive(startDay)) return `Parameter 'start_date' is out of allowed range ${allowed}`;
  if (!inArchive(endDay)) return `Parameter 'end_date' is out of allowed range ${allowed}`;
  if (endDay - startDay + 1 > window.maxDays) {
    return `Simulator: at most ${window.maxDays} days per request`;
  }

  if (query('daily') !== undefined) return 'Simulator: daily variables are not simulated';
  const hourly = (queries('hourly') ?? [])
    .flatMap((value) => value.split(','))
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const unknown = hourly.find((name) => !isHourlyVariable(name));
  if (unknown !== undefined) {
    return `Cannot initialize WeatherVariable from invalid String value ${unknown} for key hourly`;
  }

  const timezone = query('timezone') ?? 'GMT';
  if (timezone !== 'auto' && !isIanaTimeZone(timezone)) return 'Invalid timezone';

  const timeformat = query('timeformat') ?? 'iso8601';
  if (timeformat !== 'iso8601' && timeformat !== 'unixtime') {
    return invalidValue('Timeformat', timeformat, 'timeformat');
  }

  const units = parseUnits(query);
  if (typeof units === 'string') return units;
  return { points, startDay, endDay, hourly: [...new Set(hourly)], timezone, timeformat, units };
}

function parsePoints(
  latitudes: string | undefined,
  longitudes: string | undefined,
): ArchiveQuery['points'] | string {
  const lats = latitudes ? latitudes.split(',') : [];
  const lngs = longitudes ? longitudes.split(',') : [];
  if (lats.length === 0 || lngs.length === 0) {
    return "Parameter 'latitude' and 'longitude' must not be empty";
  }
  if (lats.length !== lngs.length) {
    return "Parameter 'latitude' and 'longitude' must have the same number of elements";
  }
  const points: ArchiveQuery['points'] = [];
  for (const [i, latText] of lats.entries()) {
    const latitude = parseCoordinate(latText);
    const longitude = parseCoordinate(lngs[i] ?? '');
    if (!(latitude >= -90 && latitude <= 90)) {
      return `Latitude must be in range of -90 to 90°. Given: ${swiftFloat(latitude)}.`;
    }
    if (!(longitude >= -180 && longitude <= 180)) {
      return `Longitude must be in range of -180 to 180°. Given: ${swiftFloat(longitude)}.`;
    }
    points.push({ latitude, longitude });
  }
  return points;
}

function parseCoordinate(text: string): number {
  return text.trim() === '' ? Number.NaN : Number(text);
}

/** How Swift prints a Float: `91.0`, `52.52`, `nan`. */
function swiftFloat(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

function parseDay(text: string): number | string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return "Invalid date format. Make sure to use 'YYYY-MM-DD'";
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, day);
  const date = new Date(ms);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return 'Invalid date';
  return ms / 1000 / DAY_S;
}

export function isoDay(epochDay: number): string {
  return new Date(epochDay * DAY_S * 1000).toISOString().slice(0, 10);
}

function parseUnits(query: Query): Units | string {
  const temperature = query('temperature_unit') ?? DEFAULT_UNITS.temperature;
  if (temperature !== 'celsius' && temperature !== 'fahrenheit') {
    return invalidValue('TemperatureUnit', temperature, 'temperature_unit');
  }
  // `windspeed_unit` is the older spelling; Open-Meteo still takes it.
  const windSpeed = query('wind_speed_unit') ?? query('windspeed_unit') ?? DEFAULT_UNITS.windSpeed;
  if (!['kmh', 'ms', 'mph', 'kn'].includes(windSpeed)) {
    return invalidValue('WindspeedUnit', windSpeed, 'wind_speed_unit');
  }
  const precipitation = query('precipitation_unit') ?? DEFAULT_UNITS.precipitation;
  if (precipitation !== 'mm' && precipitation !== 'inch') {
    return invalidValue('PrecipitationUnit', precipitation, 'precipitation_unit');
  }
  return {
    temperature: temperature as TemperatureUnit,
    windSpeed: windSpeed as WindSpeedUnit,
    precipitation: precipitation as PrecipitationUnit,
  };
}

function invalidValue(type: string, value: string, key: string): string {
  return `Cannot initialize ${type} from invalid String value ${value} for key ${key}`;
}
