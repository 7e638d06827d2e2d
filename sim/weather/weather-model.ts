import { placeClimate } from './climate.ts';
import { describeSky, type OwmCondition } from './conditions.ts';
import { hashToUnit, type NoiseField, valueNoise } from './noise.ts';
import { solarElevationDegrees, sunTimes } from './sun.ts';
import { elevationMeters } from './terrain.ts';
import { roundTo } from './units.ts';

/**
 * The simulated world's weather: one pure function of (grid cell, hour) that every weather
 * simulator reads, so OpenWeatherMap and Open-Meteo tell the same story about the same place
 * and hour (up to each API's units and rounding).
 *
 * Grid: 0.1° cells (ERA5-Land's spacing). A point belongs to the cell whose centre is its
 * latitude and longitude rounded to one decimal; the whole cell has one value per hour.
 *
 * Time: hourly blocks. The observation for hour H (an epoch second divisible by 3600) holds for
 * [H, H + 1 h): `observe(lat, lng, t)` returns the block containing t. Continuous inputs (sun,
 * daily cycle) are evaluated at the block's middle, H + 30 min. Precipitation is the amount
 * that falls during the block, in mm (a rate in mm/h).
 *
 * Ingredients (all deterministic, no Math.random):
 * - climate: near a simulated place, its January and July normals (climate.ts); elsewhere an
 *   annual mean falling with latitude², seasons swinging more at high latitude and mirrored
 *   between hemispheres (warmest ~20 July in the north, ~19 January in the south);
 * - daily cycle: warmest at 15:00 local solar time, coolest at 03:00;
 * - weather systems: value noise on 2°–3° blocks and 12–48 h knots (temperature anomaly,
 *   wetness, pressure, wind), plus a small per-cell, per-hour jitter from a seeded hash;
 * - elevation: −6.5 °C per km (see terrain.ts), away from places (their normals hold it).
 * Values are rounded to the precision both simulators can print without loss: temperatures
 * and wind to 0.1, pressure to 0.1 hPa, humidity and cloud cover to whole percent.
 */

export const GRID_DEGREES = 0.1;
export const HOUR_S = 3600;

export interface Observation {
  /** The grid cell centre the values belong to. */
  cell: { lat: number; lng: number };
  /** Start of the model hour (epoch seconds, divisible by 3600). */
  hour: number;
  elevationM: number;
  temperatureC: number;
  /** Apparent temperature (Steadman, as Open-Meteo's `apparent_temperature`). */
  feelsLikeC: number;
  dewPointC: number;
  /** Relative humidity, %. */
  humidity: number;
  /** Sea-level pressure, hPa. */
  pressureMslHpa: number;
  surfacePressureHpa: number;
  windSpeedMs: number;
  windGustMs: number;
  /** Meteorological direction the wind blows from, 0–359°. */
  windDirectionDeg: number;
  /** Water-equivalent precipitation during the hour (rain + snow), mm. */
  precipitationMm: number;
  /** Liquid part of the hour's precipitation, mm. */
  rainMm: number;
  /** Water equivalent of the hour's snow, mm (OWM's `snow.1h`). */
  snowMm: number;
  /** Fresh snow depth during the hour, cm (Open-Meteo's `snowfall`: 7 cm per 10 mm water). */
  snowfallCm: number;
  /** Cloud cover, %. */
  cloudCover: number;
  visibilityM: number;
  uvi: number;
  isDay: boolean;
  /** Sunrise/sunset of the local solar day, epoch seconds; null in polar day or night. */
  sunrise: number | null;
  sunset: number | null;
  condition: OwmCondition;
  /** WMO weather interpretation code for the same condition (Open-Meteo `weather_code`). */
  weatherCode: number;
}

/** The grid cell centre a point belongs to. */
export function gridCell(lat: number, lng: number): { lat: number; lng: number } {
  const wrapped = ((((lng + 180) % 360) + 360) % 360) - 180;
  const cellLat = roundTo(Math.max(-90, Math.min(90, lat)), 1);
  const cellLng = roundTo(wrapped, 1);
  return { lat: cellLat, lng: cellLng === 180 ? -180 : cellLng };
}

/** Start of the model hour containing the instant. */
export function modelHour(epochSeconds: number): number {
  return Math.floor(epochSeconds / HOUR_S) * HOUR_S;
}

const TEMPERATURE_ANOMALY: NoiseField = { channel: 1, blockDegrees: 3, periodHours: 48 };
const WETNESS: NoiseField = { channel: 2, blockDegrees: 2, periodHours: 12 };
const PRESSURE: NoiseField = { channel: 3, blockDegrees: 3, periodHours: 36 };
const WIND_STRENGTH: NoiseField = { channel: 4, blockDegrees: 2, periodHours: 24 };
const WIND_VEER: NoiseField = { channel: 5, blockDegrees: 3, periodHours: 24 };

/** Days from the epoch to the warmest day of the northern summer (~20 July), mod a year. */
const NORTHERN_PEAK_DAY = 200;
const TROPICAL_YEAR_DAYS = 365.2425;

/** The weather of the grid cell containing (lat, lng) during the hour containing the instant. */
export function observe(lat: number, lng: number, epochSeconds: number): Observation {
  const cell = gridCell(lat, lng);
  const hour = modelHour(epochSeconds);
  const mid = hour + HOUR_S / 2;
  const hours = mid / HOUR_S;
  const latIndex = Math.round(cell.lat * 10);
  const lngIndex = Math.round(cell.lng * 10);
  const jitter = (channel: number) => hashToUnit(100 + channel, latIndex, lngIndex, hour / HOUR_S);
  const field = (f: NoiseField) => valueNoise(f, cell.lat, cell.lng, hours);

  const elevationM = elevationMeters(cell.lat, cell.lng);
  const absLat = Math.abs(cell.lat);
  const solarHour = (((hours + cell.lng / 15) % 24) + 24) % 24;
  const afternoon = Math.cos((2 * Math.PI * (solarHour - 15)) / 24); // +1 at 15:00, −1 at 03:00

  // Wetness drives clouds, humidity and precipitation together, so they agree with each other.
  const wetness = field(WETNESS);
  const cloudCover = clamp(Math.round(160 * wetness - 35 + 16 * (jitter(1) - 0.5)), 0, 100);
  const rainy = wetness > 0.74;
  const precipitationRaw = rainy ? (wetness - 0.74) * 26 * (0.5 + jitter(2)) : 0;
  const precipitationMm = precipitationRaw >= 0.1 ? roundTo(precipitationRaw, 1) : 0;

  const yearAngle = (2 * Math.PI * (mid / 86_400 - NORTHERN_PEAK_DAY)) / TROPICAL_YEAR_DAYS;
  const climateMean = seasonalMean(cell.lat, cell.lng, Math.cos(yearAngle), elevationM);
  const dailySwing = 3.5 + 2 * (1 - cloudCover / 100);
  const synoptic = 8 * (field(TEMPERATURE_ANOMALY) - 0.5);
  const temperatureC = roundTo(
    climateMean + dailySwing * afternoon + synoptic + 0.6 * (jitter(3) - 0.5),
    1,
  );

  const snowing = precipitationMm > 0 && temperatureC <= 0.5;
  const snowMm = snowing ? precipitationMm : 0;
  const rainMm = snowing ? 0 : precipitationMm;
  const snowfallCm = roundTo(snowMm * 0.7, 2);

  const humidityRaw = 40 + 55 * wetness - 14 * afternoon + 8 * (jitter(4) - 0.5);
  const humidity = clamp(
    Math.round(precipitationMm > 0 ? Math.max(humidityRaw, 86) : humidityRaw),
    8,
    100,
  );
  const dewPointC = roundTo(dewPoint(temperatureC, humidity), 1);

  const pressureMslHpa = roundTo(1013 + 28 * (field(PRESSURE) - 0.5) - 12 * (wetness - 0.5), 1);
  const surfacePressureHpa = roundTo(pressureMslHpa * (1 - 2.25577e-5 * elevationM) ** 5.25588, 1);

  const windBase = 2 + 3 * Math.exp(-(((absLat - 50) / 20) ** 2));
  const windSpeedMs = roundTo(
    Math.max(
      0,
      windBase * (0.35 + 1.3 * field(WIND_STRENGTH)) +
        Math.max(0, afternoon) +
        2 * Math.max(0, wetness - 0.6) +
        0.6 * (jitter(5) - 0.5),
    ),
    1,
  );
  const windGustMs = roundTo(windSpeedMs * (1.35 + 0.4 * jitter(6)) + 0.4, 1);
  const windDirectionDeg = windDirection(cell.lat, field(WIND_VEER), jitter(7));

  const fog = precipitationMm === 0 && humidity >= 97;
  const visibilityM = fog
    ? 300 + Math.round(jitter(8) * 60) * 10
    : precipitationMm > 0
      ? Math.max(1000, Math.round((10_000 - precipitationMm * 1400) / 10) * 10)
      : 10_000;

  const sunElevation = solarElevationDegrees(cell.lat, cell.lng, mid);
  const isDay = sunElevation > 0;
  const clearSkyUvi = 12.5 * Math.max(0, Math.sin((sunElevation * Math.PI) / 180)) ** 2.5;
  const uvi = roundTo(clearSkyUvi * (1 - 0.75 * (cloudCover / 100) ** 3), 2);
  const { sunrise, sunset } = sunTimes(cell.lat, cell.lng, mid);

  const feelsLikeC = roundTo(apparentTemperature(temperatureC, humidity, windSpeedMs), 1);
  const { condition, weatherCode } = describeSky(
    { precipitationMm, snowing, temperatureC, cloudCover, visibilityM },
    isDay,
  );

  return {
    cell,
    hour,
    elevationM,
    temperatureC,
    feelsLikeC,
    dewPointC,
    humidity,
    pressureMslHpa,
    surfacePressureHpa,
    windSpeedMs,
    windGustMs,
    windDirectionDeg,
    precipitationMm,
    rainMm,
    snowMm,
    snowfallCm,
    cloudCover,
    visibilityM,
    uvi,
    isDay,
    sunrise,
    sunset,
    condition,
    weatherCode,
  };
}

/**
 * The mean temperature of the season at a cell: near a simulated place, the place's climate
 * normals (climate.ts); far from every place, the latitude rule (annual mean 27 − 0.006·lat²,
 * a seasonal swing growing with |lat|, mirrored across the equator, −6.5 °C per km of height);
 * between 150 and 600 km of a place, a blend of the two, so no border shows.
 */
function seasonalMean(lat: number, lng: number, cosYear: number, elevationM: number): number {
  const annualMean = 27 - 0.006 * lat * lat;
  const seasonalSwing = Math.min(16, 0.5 + 11 * (Math.abs(lat) / 60) ** 1.5);
  const byLatitude =
    annualMean + seasonalSwing * cosYear * Math.tanh(lat / 5) - 0.0065 * elevationM;
  const climate = placeClimate(lat, lng);
  if (!climate) return byLatitude;
  return climate.weight * climate.seasonalMeanC(cosYear) + (1 - climate.weight) * byLatitude;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** Magnus formula (Alduchov & Eskridge constants). RH ≤ 100 % keeps it at or below T. */
function dewPoint(temperatureC: number, humidity: number): number {
  const a = 17.625;
  const b = 243.04;
  const gamma = Math.log(Math.max(humidity, 1) / 100) + (a * temperatureC) / (b + temperatureC);
  return (b * gamma) / (a - gamma);
}

/** Steadman's apparent temperature (shade): T + 0.33·e − 0.70·wind − 4.00, e in hPa. */
function apparentTemperature(temperatureC: number, humidity: number, windMs: number): number {
  const vapourPressure =
    (humidity / 100) * 6.105 * Math.exp((17.27 * temperatureC) / (237.7 + temperatureC));
  return temperatureC + 0.33 * vapourPressure - 0.7 * windMs - 4;
}

/**
 * Prevailing winds by latitude band (trade winds from the north-east/south-east in the
 * tropics, westerlies in the mid-latitudes, polar easterlies), veered by passing systems.
 */
function windDirection(lat: number, veer: number, jitter: number): number {
  const absLat = Math.abs(lat);
  const north = lat >= 0;
  const prevailing = absLat < 30 ? (north ? 60 : 120) : absLat < 60 ? (north ? 250 : 290) : 90;
  const degrees = prevailing + 200 * (veer - 0.5) + 30 * (jitter - 0.5);
  return ((Math.round(degrees) % 360) + 360) % 360;
}
