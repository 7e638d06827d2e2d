import { distanceMeters, PLACES, type Place } from '../places.ts';
import { celsiusToFahrenheit, celsiusToKelvin, MS_TO_MPH, roundTo } from './units.ts';
import { observe } from './weather-model.ts';
import { timeZoneAt, utcOffsetSeconds } from './zones.ts';

/** `standard` is Kelvin and m/s (OWM's default), `metric` °C and m/s, `imperial` °F and mph. */
export type OwmUnits = 'standard' | 'metric' | 'imperial';

/** OWM falls back to `standard` for anything it does not know, silently. */
export function parseOwmUnits(value: string | undefined): OwmUnits {
  return value === 'metric' || value === 'imperial' ? value : 'standard';
}

function temperature(celsius: number, units: OwmUnits): number {
  if (units === 'metric') return celsius;
  if (units === 'imperial') return roundTo(celsiusToFahrenheit(celsius), 2);
  return roundTo(celsiusToKelvin(celsius), 2);
}

function speed(ms: number, units: OwmUnits): number {
  return units === 'imperial' ? roundTo(ms * MS_TO_MPH, 2) : ms;
}

/**
 * One Call 3.0 timemachine body: the model hour containing `dt` at the grid cell of (lat, lon).
 * `dt` is echoed as asked (as the documented example does); `lat`/`lon` are the request's,
 * rounded to 4 decimals. `timezone_offset` is the zone's offset at `dt`. Optional keys appear
 * only when they apply: `wind_gust` (gusts 2 m/s or more above the mean wind), `rain`/`snow`
 * (`{ "1h": mm }`), and `sunrise`/`sunset` (absent in polar day or night).
 */
export function timemachineBody(lat: number, lon: number, dt: number, units: OwmUnits) {
  const o = observe(lat, lon, dt);
  const timezone = timeZoneAt(lat, lon);
  const entry: Record<string, unknown> = { dt };
  if (o.sunrise !== null && o.sunset !== null) {
    entry.sunrise = o.sunrise;
    entry.sunset = o.sunset;
  }
  Object.assign(entry, {
    temp: temperature(o.temperatureC, units),
    feels_like: temperature(o.feelsLikeC, units),
    pressure: Math.round(o.pressureMslHpa),
    humidity: o.humidity,
    dew_point: temperature(o.dewPointC, units),
    uvi: o.uvi,
    clouds: o.cloudCover,
    visibility: o.visibilityM,
    wind_speed: speed(o.windSpeedMs, units),
    wind_deg: o.windDirectionDeg,
  });
  if (o.windGustMs - o.windSpeedMs >= 2) entry.wind_gust = speed(o.windGustMs, units);
  entry.weather = [o.condition];
  if (o.rainMm > 0) entry.rain = { '1h': o.rainMm };
  if (o.snowMm > 0) entry.snow = { '1h': o.snowMm };
  return {
    lat: roundTo(lat, 4),
    lon: roundTo(lon, 4),
    timezone,
    timezone_offset: utcOffsetSeconds(timezone, dt),
    data: [entry],
  };
}

/** How far reverse geocoding looks for a named place. */
export const OWM_REVERSE_RADIUS_M = 50_000;

/**
 * Geocoding API reverse body: the gazetteer places within the radius, nearest first, at most
 * `limit`. `local_names` carries English, ASCII and `feature_name` (the real service has many
 * languages); `state` is left out where the place has none, as OWM does.
 */
export function reverseGeocodeBody(lat: number, lon: number, limit: number) {
  return PLACES.map((place) => ({ place, distance: distanceMeters({ lat, lng: lon }, place) }))
    .filter(({ distance }) => distance <= OWM_REVERSE_RADIUS_M)
    .sort((a, b) => a.distance - b.distance)
    .slice(0, limit)
    .map(({ place }) => geocodedPlace(place));
}

function geocodedPlace(place: Place) {
  const ascii = place.name.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
  return {
    name: place.name,
    local_names: { en: place.name, ascii, feature_name: place.name },
    lat: place.lat,
    lon: place.lng,
    country: place.countryCode,
    ...(place.state === null ? {} : { state: place.state }),
  };
}
