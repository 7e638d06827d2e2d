import { HOUR_MS } from '../../grid-cell.ts';
import { wmoCodeOfOwmCondition } from '../../weather/weather-conditions.ts';
import type { WeatherObservation } from '../../weather/weather-observation.ts';
import { owmTimemachineSchema } from './openweathermap-schemas.ts';

/**
 * A One Call 3.0 timemachine body, asked with `units=metric` (°C, m/s; hPa, %, mm and m are
 * the same in every unit system), as an observation in SI. Precipitation is `rain.1h` plus
 * `snow.1h` (both mm of water); OWM leaves them out when nothing fell, which is 0 mm, not
 * unknown. Returns a reason instead when the body is not a timemachine answer, or when it
 * describes another time than asked (current or forecast weather must never pass as history).
 */
export function owmObservation(body: unknown, requestedMs: number): WeatherObservation | string {
  const parsed = owmTimemachineSchema.safeParse(body);
  if (!parsed.success) {
    return `OpenWeatherMap sent an unexpected timemachine body: ${parsed.error.issues[0]?.message}`;
  }
  const { lat, lon, data } = parsed.data;
  const entry = data[0];
  if (!entry) return 'OpenWeatherMap sent no data';
  const observedMs = entry.dt * 1000;
  if (Math.abs(observedMs - requestedMs) >= HOUR_MS) {
    return `OpenWeatherMap answered for ${new Date(observedMs).toISOString()}, not ${new Date(requestedMs).toISOString()}`;
  }
  const condition = entry.weather[0];
  const fallen = (entry.rain?.['1h'] ?? 0) + (entry.snow?.['1h'] ?? 0);
  return {
    provider: 'openweathermap',
    observedAt: new Date(observedMs).toISOString(),
    gridLat: lat,
    gridLng: lon,
    temperatureC: entry.temp,
    feelsLikeC: entry.feels_like ?? null,
    dewPointC: entry.dew_point ?? null,
    humidityPct: entry.humidity,
    pressureHpa: entry.pressure ?? null,
    windSpeedMps: entry.wind_speed,
    windGustMps: entry.wind_gust ?? null,
    windDeg: entry.wind_deg ?? null,
    precipitationMm: Math.round(fallen * 100) / 100,
    cloudCoverPct: entry.clouds ?? null,
    visibilityM: entry.visibility ?? null,
    weatherCode: condition ? wmoCodeOfOwmCondition(condition.id) : null,
    description: condition?.description ?? null,
    icon: condition?.icon ?? null,
  };
}
