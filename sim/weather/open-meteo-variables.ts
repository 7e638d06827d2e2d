import {
  celsiusToFahrenheit,
  MM_PER_INCH,
  MS_TO_KMH,
  MS_TO_KNOTS,
  MS_TO_MPH,
  roundTo,
} from './units.ts';
import type { Observation } from './weather-model.ts';

/**
 * The hourly variables the archive simulator serves, each with its unit and how it is printed.
 * Names and units are Open-Meteo's; the values all come from one model observation.
 * `visibility` is deliberately absent: ERA5 (the archive's source) has no visibility, and the
 * real archive rejects it too.
 */

export type TemperatureUnit = 'celsius' | 'fahrenheit';
export type WindSpeedUnit = 'kmh' | 'ms' | 'mph' | 'kn';
export type PrecipitationUnit = 'mm' | 'inch';

export interface Units {
  temperature: TemperatureUnit;
  windSpeed: WindSpeedUnit;
  precipitation: PrecipitationUnit;
}

/** Open-Meteo's defaults. Note km/h for wind: a client that assumes m/s is 3.6× wrong. */
export const DEFAULT_UNITS: Units = {
  temperature: 'celsius',
  windSpeed: 'kmh',
  precipitation: 'mm',
};

const WIND_LABEL: Record<WindSpeedUnit, string> = {
  kmh: 'km/h',
  ms: 'm/s',
  mph: 'mp/h',
  kn: 'kn',
};
const WIND_FACTOR: Record<WindSpeedUnit, number> = {
  kmh: MS_TO_KMH,
  ms: 1,
  mph: MS_TO_MPH,
  kn: MS_TO_KNOTS,
};

interface Variable {
  unit(units: Units): string;
  value(o: Observation, units: Units): number;
}

const temperature = (pick: (o: Observation) => number): Variable => ({
  unit: (u) => (u.temperature === 'fahrenheit' ? '°F' : '°C'),
  value: (o, u) =>
    u.temperature === 'fahrenheit' ? roundTo(celsiusToFahrenheit(pick(o)), 1) : pick(o),
});

const wind = (pick: (o: Observation) => number): Variable => ({
  unit: (u) => WIND_LABEL[u.windSpeed],
  value: (o, u) => roundTo(pick(o) * WIND_FACTOR[u.windSpeed], 1),
});

const precipitation = (pick: (o: Observation) => number): Variable => ({
  unit: (u) => (u.precipitation === 'inch' ? 'inch' : 'mm'),
  value: (o, u) => (u.precipitation === 'inch' ? roundTo(pick(o) / MM_PER_INCH, 3) : pick(o)),
});

const plain = (unit: string, pick: (o: Observation) => number): Variable => ({
  unit: () => unit,
  value: (o) => pick(o),
});

export const HOURLY_VARIABLES: Readonly<Record<string, Variable>> = {
  temperature_2m: temperature((o) => o.temperatureC),
  relative_humidity_2m: plain('%', (o) => o.humidity),
  dew_point_2m: temperature((o) => o.dewPointC),
  apparent_temperature: temperature((o) => o.feelsLikeC),
  precipitation: precipitation((o) => o.precipitationMm),
  rain: precipitation((o) => o.rainMm),
  snowfall: {
    unit: (u) => (u.precipitation === 'inch' ? 'inch' : 'cm'),
    value: (o, u) => (u.precipitation === 'inch' ? roundTo(o.snowfallCm / 2.54, 3) : o.snowfallCm),
  },
  weather_code: plain('wmo code', (o) => o.weatherCode),
  pressure_msl: plain('hPa', (o) => o.pressureMslHpa),
  surface_pressure: plain('hPa', (o) => o.surfacePressureHpa),
  cloud_cover: plain('%', (o) => o.cloudCover),
  wind_speed_10m: wind((o) => o.windSpeedMs),
  wind_direction_10m: plain('°', (o) => o.windDirectionDeg),
  wind_gusts_10m: wind((o) => o.windGustMs),
  is_day: plain('', (o) => (o.isDay ? 1 : 0)),
};

export function isHourlyVariable(name: string): boolean {
  return Object.hasOwn(HOURLY_VARIABLES, name);
}
