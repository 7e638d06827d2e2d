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
import { enrichmentStates } from '../store/activity-store.ts';
import type { Database } from '../store/database.ts';
import type { EstimatePoint } from './enrichment-estimate.ts';

/**
 * What an enrichment estimate is computed from: a user's runs as the sync stored them, and
 * what enrichment will still look up for them. Shared by `GET /api/estimate` and the bench.
 */
export interface StoredRuns {
  /** Runs stored for the user (not deleted), with or without GPS. */
  runs: number;
  /** What enrichment looks up: runs with start coordinates the sync did not mark `not_applicable`. */
  points: EstimatePoint[];
  /** Stored runs waiting for weather now: `pending`, or `unavailable` and due for a retry. */
  weatherTodo: EstimatePoint[];
  /** The same for places. */
  placeTodo: EstimatePoint[];
  /**
   * Runs deleted here (`deleted_at` set) that a backfill lists again if Strava still has them:
   * it restores them with the weather and place they had, so only those that were still
   * waiting are looked up again.
   */
  deleted: { weather: EstimatePoint | null; place: EstimatePoint | null }[];
}

const WAITING = ['pending', 'unavailable'];

export async function storedRuns(
  db: Database,
  userId: string,
  nowMs?: number,
): Promise<StoredRuns> {
  const rows = await enrichmentStates(db, userId);
  const now = nowMs ?? Date.now();
  const due = (status: string, retryAt: Date | null) =>
    WAITING.includes(status) && (retryAt === null || retryAt.getTime() <= now);
  const runs = rows.flatMap((r) => {
    // No GPS, or a virtual run's game-world coordinates (`not_applicable`): never looked up.
    const point =
      r.start_lat === null || r.start_lng === null || r.weather_status === 'not_applicable'
        ? null
        : { lat: r.start_lat, lng: r.start_lng, at: runMidpoint(r.start_date, r.elapsed_time_s) };
    return [
      {
        deleted: r.deleted,
        point,
        weather: point && due(r.weather_status, r.weather_retry_at) ? point : null,
        place:
          point && r.place_status !== 'not_applicable' && due(r.place_status, r.place_retry_at)
            ? point
            : null,
      },
    ];
  });
  const live = runs.filter((r) => !r.deleted);
  return {
    runs: live.length,
    points: live.flatMap((r) => (r.point ? [r.point] : [])),
    weatherTodo: live.flatMap((r) => (r.weather ? [r.weather] : [])),
    placeTodo: live.flatMap((r) => (r.place ? [r.place] : [])),
    deleted: runs.filter((r) => r.deleted).map((r) => ({ weather: r.weather, place: r.place })),
  };
}

/** The cache keys, of the given providers, that these points' lookups would hit. */
export async function cachedKeys(
  db: Database,
  points: readonly EstimatePoint[],
  providers: {
    weather: WeatherProviderName | readonly WeatherProviderName[];
    places: PlaceProviderName | readonly PlaceProviderName[];
  },
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
    lookupWeather(db, [...slots.values()], [providers.weather].flat()),
    lookupPlaces(db, [...cells.values()], [providers.places].flat()),
  ]);
  return { weather: new Set(weather.keys()), places: new Set(places.keys()) };
}
