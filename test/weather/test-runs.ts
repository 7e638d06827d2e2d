import { observe } from '../../sim/weather/weather-model.ts';
import { runMidpoint } from '../../src/enrichment/weather/run-midpoint.ts';
import type { Queryable } from '../../src/store/database.ts';

/** A run as the enrichment sees it: where and when it started, and for how long. */
export interface TestRun {
  label: string;
  lat: number | null;
  lng: number | null;
  /** UTC start. */
  start: string;
  elapsedS: number;
}

/**
 * Runs chosen for the traps: local midnight on the other UTC day, both hemispheres, offsets
 * on both sides of UTC (and a :45 one), a DST change mid-run, and the date line, where
 * 179.97° E and 179.98° W are one cell.
 */
export const TRICKY_RUNS: readonly TestRun[] = [
  {
    label: 'Tokyo 00:30 local: the previous UTC day (+9)',
    lat: 35.6762,
    lng: 139.6503,
    start: '2025-07-14T15:30:00Z',
    elapsedS: 3600,
  },
  {
    label: 'Sydney in summer: southern hemisphere (+11)',
    lat: -33.8688,
    lng: 151.2093,
    start: '2025-01-09T19:00:00Z',
    elapsedS: 2700,
  },
  {
    label: 'Honolulu 18:45 local: the next UTC day (−10)',
    lat: 21.3069,
    lng: -157.8583,
    start: '2025-03-02T04:45:00Z',
    elapsedS: 1800,
  },
  {
    label: 'New York over the spring-forward night',
    lat: 40.7128,
    lng: -74.006,
    start: '2025-03-09T06:30:00Z',
    elapsedS: 7200,
  },
  {
    label: 'Buenos Aires 23:50 local (−3)',
    lat: -34.6037,
    lng: -58.3816,
    start: '2025-06-21T02:50:00Z',
    elapsedS: 3000,
  },
  {
    label: 'Auckland 00:10 on New Year’s Day (+13)',
    lat: -36.8485,
    lng: 174.7633,
    start: '2024-12-31T11:10:00Z',
    elapsedS: 3600,
  },
  {
    label: 'Kathmandu (+5:45)',
    lat: 27.7172,
    lng: 85.324,
    start: '2025-10-01T00:20:00Z',
    elapsedS: 4000,
  },
  { label: 'London', lat: 51.5203, lng: -0.1012, start: '2025-11-02T08:00:00Z', elapsedS: 5400 },
  {
    label: 'at sea east of the date line',
    lat: -17,
    lng: 179.97,
    start: '2025-05-05T21:10:00Z',
    elapsedS: 1200,
  },
  {
    label: 'at sea west of the date line: same cell and hour',
    lat: -17,
    lng: -179.98,
    start: '2025-05-05T21:05:00Z',
    elapsedS: 600,
  },
];

export function midpointOf(run: TestRun): Date {
  return runMidpoint(new Date(run.start), run.elapsedS);
}

/** The simulator's weather for the run: the model at its start point and midpoint. */
export function modelWeather(run: TestRun) {
  if (run.lat === null || run.lng === null) throw new Error('no coordinates');
  return observe(run.lat, run.lng, midpointOf(run).getTime() / 1000);
}

let nextId = 7_000_000_000;

/** Inserts the run as ingest leaves it (`pending`, or `not_applicable` without GPS); returns its id. */
export async function insertRun(db: Queryable, userId: string, run: TestRun): Promise<string> {
  nextId += 1;
  const id = String(nextId);
  const status = run.lat === null ? 'not_applicable' : 'pending';
  await db.query(
    `insert into activities (id, user_id, athlete_id, name, sport_type, start_date, start_date_local,
       distance_m, moving_time_s, elapsed_time_s, start_lat, start_lng, weather_status, place_status,
       strava_summary)
     values ($1, $2, 42, $3, 'Run', $4, $5, 5000, $6, $6, $7, $8, $9, $9, '{}')`,
    [
      id,
      userId,
      run.label,
      run.start,
      run.start.slice(0, 19),
      run.elapsedS,
      run.lat,
      run.lng,
      status,
    ],
  );
  return id;
}

export interface StoredRun {
  id: string;
  weather_status: string;
  weather_error: string | null;
  weather_provider: string | null;
  weather_requested_at: Date | null;
  weather_observed_at: Date | null;
  weather_grid_lat: number | null;
  weather_grid_lng: number | null;
  weather_retry_at: Date | null;
  weather_attempts: number;
  temperature_c: number | null;
  feels_like_c: number | null;
  dew_point_c: number | null;
  humidity_pct: number | null;
  pressure_hpa: number | null;
  wind_speed_mps: number | null;
  wind_gust_mps: number | null;
  wind_deg: number | null;
  precipitation_mm: number | null;
  cloud_cover_pct: number | null;
  visibility_m: number | null;
  weather_code: number | null;
  weather_description: string | null;
  weather_icon: string | null;
  place_status: string;
  place_error: string | null;
  place_provider: string | null;
  city: string | null;
  state: string | null;
  country: string | null;
  country_code: string | null;
}

export async function storedRun(db: Queryable, id: string): Promise<StoredRun> {
  const { rows } = await db.query<StoredRun>('select * from activities where id = $1', [id]);
  const row = rows[0];
  if (!row) throw new Error(`no activity ${id}`);
  return row;
}
