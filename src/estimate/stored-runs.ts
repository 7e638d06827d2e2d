import { lookupPlaces } from '../enrichment/geocoding/place-cache.ts';
import type { PlaceProviderName } from '../enrichment/geocoding/place-provider.ts';
import {
  cellKey,
  cellOf,
  PLACE_CELLS_PER_DEGREE,
  weatherSlotKey,
  weatherSlotOf,
} from '../enrichment/grid-cell.ts';
import { runMidpoint } from '../enrichment/weather/run-midpoint.ts';
import { lookupWeather } from '../enrichment/weather/weather-cache.ts';
import type { WeatherProviderName } from '../enrichment/weather/weather-observation.ts';
import type { Database } from '../store/database.ts';
import type { EstimatePoint } from './enrichment-estimate.ts';

/**
 * What an enrichment estimate is computed from: a user's stored runs (as the sync stored them)
 * and the cache entries their lookups would hit. Shared by `GET /api/estimate` and the bench.
 */
export interface StoredRuns {
  /** Runs stored for the user (not deleted), with or without GPS. */
  runs: number;
  /** What enrichment looks up: runs with start coordinates the sync did not mark `not_applicable`. */
  points: EstimatePoint[];
}

export async function storedRuns(db: Database, userId: string): Promise<StoredRuns> {
  const { rows } = await db.query<{
    start_date: Date;
    elapsed_time_s: number;
    start_lat: number | null;
    start_lng: number | null;
    weather_status: string;
  }>(
    `select start_date, elapsed_time_s, start_lat, start_lng, weather_status from activities
     where user_id = $1 and deleted_at is null order by start_date`,
    [userId],
  );
  const points = rows.flatMap((r) =>
    // No GPS, or a virtual run's game-world coordinates (`not_applicable`): never looked up.
    r.start_lat === null || r.start_lng === null || r.weather_status === 'not_applicable'
      ? []
      : [{ lat: r.start_lat, lng: r.start_lng, at: runMidpoint(r.start_date, r.elapsed_time_s) }],
  );
  return { runs: rows.length, points };
}

/** The cache keys, of the given providers, that these points' lookups would hit. */
export async function cachedKeys(
  db: Database,
  points: readonly EstimatePoint[],
  providers: { weather: WeatherProviderName; places: PlaceProviderName },
): Promise<{ weather: Set<string>; places: Set<string> }> {
  const slots = new Map(
    points.map((p) => {
      const slot = weatherSlotOf(p.lat, p.lng, p.at.getTime());
      return [weatherSlotKey(slot), slot];
    }),
  );
  const cells = new Map(
    points.map((p) => {
      const cell = cellOf(p.lat, p.lng, PLACE_CELLS_PER_DEGREE);
      return [cellKey(cell), cell];
    }),
  );
  const [weather, places] = await Promise.all([
    lookupWeather(db, [...slots.values()], [providers.weather]),
    lookupPlaces(db, [...cells.values()], [providers.places]),
  ]);
  return { weather: new Set(weather.keys()), places: new Set(places.keys()) };
}
