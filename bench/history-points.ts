import type { Database } from '../src/store/database.ts';
import type { EstimatePoint } from '../src/weather/enrichment-estimate.ts';
import { runMidpoint } from '../src/weather/run-midpoint.ts';
import { cellKey, weatherSlotKey } from '../src/weather/weather-cell.ts';

/**
 * What the estimate and the per-1,000 figures are computed from: the stored runs (as the sync
 * stored them) and the cache keys already in Postgres.
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
    // A virtual run has coordinates in a game world: `not_applicable` at ingest, never looked up.
    r.start_lat === null || r.start_lng === null || r.weather_status === 'not_applicable'
      ? []
      : [{ lat: r.start_lat, lng: r.start_lng, at: runMidpoint(r.start_date, r.elapsed_time_s) }],
  );
  return { runs: rows.length, points };
}

/** The cache's keys for one provider, as `estimateEnrichment({ cached })` takes them. */
export async function cachedKeys(
  db: Database,
  providers: { weather: string; places: string },
): Promise<{ weather: Set<string>; places: Set<string> }> {
  const weather = await db.query<{ lat_cell: number; lng_cell: number; hour_utc: Date }>(
    'select lat_cell, lng_cell, hour_utc from weather_cache where provider = $1',
    [providers.weather],
  );
  const places = await db.query<{ lat_cell: number; lng_cell: number }>(
    'select lat_cell, lng_cell from place_cache where provider = $1',
    [providers.places],
  );
  return {
    weather: new Set(
      weather.rows.map((r) =>
        weatherSlotKey({ latCell: r.lat_cell, lngCell: r.lng_cell, hourMs: r.hour_utc.getTime() }),
      ),
    ),
    places: new Set(places.rows.map((r) => cellKey({ latCell: r.lat_cell, lngCell: r.lng_cell }))),
  };
}

/** Final statuses of a user's runs: `{ 'weather enriched': n, 'place enriched': n, … }`. */
export async function statusCounts(db: Database, userId: string): Promise<Record<string, number>> {
  const { rows } = await db.query<{ half: string; status: string; n: number }>(
    `select 'weather' as half, weather_status as status, count(*)::int as n from activities
       where user_id = $1 and deleted_at is null group by 2
     union all
     select 'place', place_status, count(*)::int from activities
       where user_id = $1 and deleted_at is null group by 2`,
    [userId],
  );
  return Object.fromEntries(rows.map((r) => [`${r.half} ${r.status}`, r.n]));
}
