import { expect } from 'vitest';
import { describeWmoCode } from '../../src/enrichment/weather/weather-conditions.ts';
import { midpointOf, modelWeather, type StoredRun, type TestRun } from './test-runs.ts';

/**
 * What a run's weather columns must hold when a provider served it: the simulator's model at
 * the run's start point and midpoint, through that provider's units and precision.
 */
export function expectWeatherOf(
  stored: StoredRun,
  run: TestRun,
  provider: 'openweathermap' | 'open-meteo',
): void {
  const model = modelWeather(run);
  const owm = provider === 'openweathermap';
  expect(stored, run.label).toMatchObject({
    weather_status: 'enriched',
    weather_error: null,
    weather_provider: provider,
    weather_requested_at: midpointOf(run),
    // OWM is asked at the middle of the hour, Open-Meteo's row starts it.
    weather_observed_at: new Date((model.hour + (owm ? 1800 : 0)) * 1000),
    weather_grid_lat: model.cell.lat,
    weather_grid_lng: model.cell.lng,
    temperature_c: model.temperatureC,
    feels_like_c: model.feelsLikeC,
    dew_point_c: model.dewPointC,
    humidity_pct: model.humidity,
    pressure_hpa: owm ? Math.round(model.pressureMslHpa) : model.pressureMslHpa,
    wind_speed_mps: model.windSpeedMs,
    wind_gust_mps: owm && model.windGustMs - model.windSpeedMs < 2 ? null : model.windGustMs,
    wind_deg: model.windDirectionDeg,
    precipitation_mm: model.precipitationMm,
    cloud_cover_pct: model.cloudCover,
    visibility_m: owm ? model.visibilityM : null,
    weather_code: model.weatherCode,
    weather_description: owm
      ? model.condition.description
      : describeWmoCode(model.weatherCode, model.isDay).description,
    weather_icon: owm ? model.condition.icon : describeWmoCode(model.weatherCode, model.isDay).icon,
  });
}
