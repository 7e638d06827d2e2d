import type { WeatherObservation } from './weather-observation.ts';

/**
 * Which `activities` column holds which observation value (units in the column names), in one
 * table, so the update statement and the row it is fed cannot drift apart.
 */
const COLUMNS = [
  ['weather_provider', 'text', (o) => o.provider],
  ['weather_observed_at', 'timestamptz', (o) => o.observedAt],
  ['weather_grid_lat', 'float8', (o) => o.gridLat],
  ['weather_grid_lng', 'float8', (o) => o.gridLng],
  ['temperature_c', 'float8', (o) => o.temperatureC],
  ['feels_like_c', 'float8', (o) => o.feelsLikeC],
  ['dew_point_c', 'float8', (o) => o.dewPointC],
  ['humidity_pct', 'float8', (o) => o.humidityPct],
  ['pressure_hpa', 'float8', (o) => o.pressureHpa],
  ['wind_speed_mps', 'float8', (o) => o.windSpeedMps],
  ['wind_gust_mps', 'float8', (o) => o.windGustMps],
  ['wind_deg', 'float8', (o) => o.windDeg],
  ['precipitation_mm', 'float8', (o) => o.precipitationMm],
  ['cloud_cover_pct', 'float8', (o) => o.cloudCoverPct],
  ['visibility_m', 'float8', (o) => o.visibilityM],
  ['weather_code', 'int', (o) => o.weatherCode],
  ['weather_description', 'text', (o) => o.description],
  ['weather_icon', 'text', (o) => o.icon],
] as const satisfies readonly (readonly [
  string,
  string,
  (o: WeatherObservation) => string | number | null,
])[];

/** `name type, …` for a `jsonb_to_recordset` column definition list. */
export const WEATHER_COLUMN_DEFINITIONS = COLUMNS.map(([name, type]) => `${name} ${type}`).join(
  ', ',
);

/** `name = v.name, …` for an update from that record set. */
export const WEATHER_COLUMN_ASSIGNMENTS = COLUMNS.map(([name]) => `${name} = v.${name}`).join(', ');

/** The columns' values for an observation; all null without one (clears stale weather). */
export function weatherColumnValues(
  observation: WeatherObservation | null,
): Record<string, string | number | null> {
  return Object.fromEntries(
    COLUMNS.map(([name, , value]) => [name, observation ? value(observation) : null]),
  );
}
