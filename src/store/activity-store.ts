import type { ActivitySort } from '../api/contract.ts';
import {
  type ActivityRow,
  DISTANCE_DISTORTING_FLAGS,
  PACE_DISTORTING_FLAGS,
} from '../core/activity.ts';
import type { Queryable } from './database.ts';

/** Columns written from Strava on every sync; weather and place are the enricher's. */
const STRAVA_COLUMNS: [column: keyof ActivityRow, type: string][] = [
  ['id', 'bigint'],
  ['user_id', 'uuid'],
  ['athlete_id', 'bigint'],
  ['name', 'text'],
  ['sport_type', 'text'],
  ['start_date', 'timestamptz'],
  ['start_date_local', 'timestamp'],
  ['timezone', 'text'],
  ['utc_offset_s', 'integer'],
  ['distance_m', 'double precision'],
  ['moving_time_s', 'integer'],
  ['elapsed_time_s', 'integer'],
  ['total_elevation_gain_m', 'double precision'],
  ['elev_high_m', 'double precision'],
  ['elev_low_m', 'double precision'],
  ['average_speed_mps', 'double precision'],
  ['max_speed_mps', 'double precision'],
  ['average_heartrate_bpm', 'double precision'],
  ['max_heartrate_bpm', 'double precision'],
  ['average_cadence_rpm', 'double precision'],
  ['start_lat', 'double precision'],
  ['start_lng', 'double precision'],
  ['end_lat', 'double precision'],
  ['end_lng', 'double precision'],
  ['summary_polyline', 'text'],
  ['is_manual', 'boolean'],
  ['is_trainer', 'boolean'],
  ['is_commute', 'boolean'],
  ['is_private', 'boolean'],
  ['weather_status', 'text'],
  ['place_status', 'text'],
  ['quality_flags', 'text[]'],
  ['strava_summary', 'jsonb'],
];

const RECORD_TYPE = STRAVA_COLUMNS.map(([column, type]) => `${column} ${type}`).join(', ');
const COLUMN_LIST = STRAVA_COLUMNS.map(([column]) => column).join(', ');
/** On a change, everything from Strava is replaced; enrichment statuses are decided below. */
const UPDATES = STRAVA_COLUMNS.filter(
  ([c]) => !['id', 'user_id', 'weather_status', 'place_status'].includes(c),
)
  .map(([column]) => `${column} = excluded.${column}`)
  .join(',\n      ');

/**
 * Writes one page of activities in one statement. Only rows whose Strava content changed are
 * written (an unchanged re-sync writes nothing), and a soft-deleted activity that reappears is
 * restored. Weather and place are kept unless what they depend on changed — the start point,
 * the start time or the duration (which moves the midpoint) — or the activity no longer has a
 * place at all. The row never changes hands: an id stored for another user is left alone.
 * The page travels as one JSON document: sent as one array per column (`unnest`) it was slower
 * (docs/benchmarks.md, B2).
 */
export async function upsertActivities(
  tx: Queryable,
  rows: readonly ActivityRow[],
): Promise<{ inserted: number; updated: number; unchanged: number }> {
  if (rows.length === 0) return { inserted: 0, updated: 0, unchanged: 0 };
  const { rows: written } = await tx.query<{ inserted: boolean }>(
    `insert into activities (${COLUMN_LIST})
     select ${COLUMN_LIST} from jsonb_to_recordset($1::jsonb) as r(${RECORD_TYPE})
     on conflict (id) do update set
      ${UPDATES},
      weather_status = ${enrichmentStatus('weather')},
      place_status = ${enrichmentStatus('place')},
      deleted_at = null,
      synced_at = now()
     where activities.user_id = excluded.user_id
       and (activities.strava_summary is distinct from excluded.strava_summary or activities.deleted_at is not null)
     returning (xmax = 0) as inserted`,
    [JSON.stringify(rows)],
  );
  const inserted = written.filter((row) => row.inserted).length;
  return { inserted, updated: written.length - inserted, unchanged: rows.length - written.length };
}

function enrichmentStatus(kind: 'weather' | 'place'): string {
  return `case
        when excluded.${kind}_status = 'not_applicable' then 'not_applicable'
        when (activities.start_lat, activities.start_lng, activities.start_date, activities.elapsed_time_s)
             is distinct from (excluded.start_lat, excluded.start_lng, excluded.start_date, excluded.elapsed_time_s)
          or activities.${kind}_status = 'not_applicable' then 'pending'
        else activities.${kind}_status
      end`;
}

/** When the user's newest live run started: where an incremental sync picks up. */
export async function newestStartDate(db: Queryable, userId: string): Promise<Date | undefined> {
  const { rows } = await db.query<{ newest: Date | null }>(
    'select max(start_date) as newest from activities where user_id = $1 and deleted_at is null',
    [userId],
  );
  return rows[0]?.newest ?? undefined;
}

/** A stored run as the estimate reads it: when, where, and what enrichment still owes it. */
export interface EnrichmentStateRow {
  start_date: Date;
  elapsed_time_s: number;
  start_lat: number | null;
  start_lng: number | null;
  weather_status: string;
  place_status: string;
  weather_retry_at: Date | null;
  place_retry_at: Date | null;
  deleted: boolean;
}

/** Every stored run of the user, deleted ones included (`deleted`), oldest first. */
export async function enrichmentStates(
  db: Queryable,
  userId: string,
): Promise<EnrichmentStateRow[]> {
  const { rows } = await db.query<EnrichmentStateRow>(
    `select start_date, elapsed_time_s, start_lat, start_lng, weather_status, place_status,
       weather_retry_at, place_retry_at, deleted_at is not null as deleted
     from activities where user_id = $1 order by start_date`,
    [userId],
  );
  return rows;
}

/** Of these ids, the user's runs stored here and not deleted. */
export async function liveActivityIds(
  db: Queryable,
  userId: string,
  ids: readonly string[],
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { rows } = await db.query<{ id: string }>(
    `select id::text as id from activities
     where user_id = $1 and id = any($2::bigint[]) and deleted_at is null`,
    [userId, ids],
  );
  return new Set(rows.map((row) => row.id));
}

/** Marks the user's activities deleted (kept for history, hidden everywhere); returns how many. */
export async function softDeleteActivities(
  tx: Queryable,
  userId: string,
  ids: readonly string[],
): Promise<number> {
  if (ids.length === 0) return 0;
  const { rowCount } = await tx.query(
    `update activities set deleted_at = now()
     where user_id = $1 and id = any($2::bigint[]) and deleted_at is null`,
    [userId, ids],
  );
  return rowCount;
}

/** A run as `GET /api/activities` lists it. */
export interface ActivityListRow {
  id: string;
  name: string;
  sport_type: string;
  start_date: Date;
  start_date_local: string;
  timezone: string | null;
  distance_m: number;
  moving_time_s: number;
  elapsed_time_s: number;
  total_elevation_gain_m: number | null;
  average_speed_mps: number | null;
  average_heartrate_bpm: number | null;
  city: string | null;
  state: string | null;
  country: string | null;
  country_code: string | null;
  place_status: string;
  weather_status: string;
  weather_error: string | null;
  weather_provider: string | null;
  weather_observed_at: Date | null;
  temperature_c: number | null;
  feels_like_c: number | null;
  humidity_pct: number | null;
  wind_speed_mps: number | null;
  wind_deg: number | null;
  precipitation_mm: number | null;
  weather_description: string | null;
  weather_icon: string | null;
  quality_flags: string[];
}

/** A run's own page adds its route, end points and provenance to what the list shows. */
export interface ActivityDetailRow extends ActivityListRow {
  summary_polyline: string | null;
  start_lat: number | null;
  start_lng: number | null;
  end_lat: number | null;
  end_lng: number | null;
  max_heartrate_bpm: number | null;
  is_trainer: boolean;
  is_manual: boolean;
  place_provider: string | null;
  weather_requested_at: Date | null;
}

/**
 * The orders a list can take, each with its keyset: the column it sorts by, then id, both the
 * same way, so (key, id) is unique and a page carries on after the previous page's last row.
 */
const SORTS: Record<ActivitySort, { key: string; cast: string; direction: 'asc' | 'desc' }> = {
  newest: { key: 'start_date', cast: 'timestamptz', direction: 'desc' },
  oldest: { key: 'start_date', cast: 'timestamptz', direction: 'asc' },
  longest: { key: 'distance_m', cast: 'double precision', direction: 'desc' },
  shortest: { key: 'distance_m', cast: 'double precision', direction: 'asc' },
};

export interface ActivityListFilter {
  /** How many rows to read. */
  limit: number;
  sort: ActivitySort;
  /** Only runs after this (sort key, id) in the sort's order: the last row of the previous page. */
  after?: readonly [key: string | number, id: string];
  /** Local dates (`YYYY-MM-DD`), both included. */
  from?: string;
  to?: string;
  sportType?: string;
  /** Part of the name or of the place (city, state, country), any case. */
  text?: string;
  minDistanceM?: number;
  maxDistanceM?: number;
  /** `with`: weather found; `without`: anything else (waiting, unavailable, indoors). */
  weather?: 'with' | 'without';
  /** Treadmill (Strava's `trainer`) and virtual runs, or the others. */
  indoor?: boolean;
}

/** The value a row's cursor carries for `sort`: its start (ISO 8601) or its distance. */
export function sortKeyOf(row: ActivityListRow, sort: ActivitySort): string | number {
  return SORTS[sort].key === 'start_date' ? row.start_date.toISOString() : row.distance_m;
}

const LIST_COLUMNS = `id, name, sport_type, start_date, start_date_local, timezone, distance_m,
  moving_time_s, elapsed_time_s, total_elevation_gain_m, average_speed_mps, average_heartrate_bpm,
  city, state, country, country_code, place_status, weather_status, weather_error,
  weather_provider, weather_observed_at, temperature_c, feels_like_c, humidity_pct,
  wind_speed_mps, wind_deg, precipitation_mm, weather_description, weather_icon, quality_flags`;

/**
 * The user's live runs in the filter's order (newest first by default). Paging by keyset rather
 * than by offset keeps pages right while a sync adds runs. By start, the index
 * activities_user_start serves every order and filter; by distance, activities_user_distance
 * (20261209120000_activity_list_indexes.sql, with the plans). A text search reads the user's
 * rows through those indexes and filters them: one runner's history is thousands of rows.
 */
export async function listActivities(
  db: Queryable,
  userId: string,
  filter: ActivityListFilter,
): Promise<ActivityListRow[]> {
  const params: unknown[] = [userId, filter.limit];
  const where = ['user_id = $1', 'deleted_at is null'];
  const add = (clause: string, ...values: unknown[]) => {
    let sql = clause;
    for (const value of values) {
      params.push(value);
      sql = sql.replace('?', `$${params.length}`);
    }
    where.push(sql);
  };
  const sort = SORTS[filter.sort];
  const beyond = sort.direction === 'desc' ? '<' : '>';
  if (filter.after)
    add(`(${sort.key}, id) ${beyond} (?::${sort.cast}, ?::bigint)`, ...filter.after);
  if (filter.from) add('start_date_local >= ?::date', filter.from);
  if (filter.to) add("start_date_local < (?::date + interval '1 day')", filter.to);
  if (filter.sportType) add('sport_type = ?', filter.sportType);
  if (filter.text)
    add(
      `(strpos(lower(name), lower(?)) > 0
        or strpos(lower(concat_ws(' ', city, state, country)), lower(?)) > 0)`,
      filter.text,
      filter.text,
    );
  if (filter.minDistanceM !== undefined) add('distance_m >= ?', filter.minDistanceM);
  if (filter.maxDistanceM !== undefined) add('distance_m <= ?', filter.maxDistanceM);
  if (filter.weather === 'with') where.push("weather_status = 'enriched'");
  if (filter.weather === 'without') where.push("weather_status <> 'enriched'");
  if (filter.indoor !== undefined)
    where.push(`${filter.indoor ? '' : 'not '}(is_trainer or sport_type like 'Virtual%')`);
  const { rows } = await db.query<ActivityListRow>(
    `select ${LIST_COLUMNS} from activities where ${where.join(' and ')}
     order by ${sort.key} ${sort.direction}, id ${sort.direction} limit $2`,
    params,
  );
  return rows;
}

/** One live run of the user's; null for a run that is another user's, deleted or unknown. */
export async function getActivity(
  db: Queryable,
  userId: string,
  id: string,
): Promise<ActivityDetailRow | null> {
  const { rows } = await db.query<ActivityDetailRow>(
    `select ${LIST_COLUMNS}, summary_polyline, start_lat, start_lng, end_lat, end_lng,
            max_heartrate_bpm, is_trainer, is_manual, place_provider, weather_requested_at
     from activities where user_id = $1 and id = $2::bigint and deleted_at is null`,
    [userId, id],
  );
  return rows[0] ?? null;
}

export interface MonthTotalRow {
  month: string;
  runs: number;
  distance_m: number;
  moving_time_s: number;
}

/**
 * The user's live runs totalled by local month (`YYYY-MM` of `start_date_local`, so a run at
 * 23:30 on 31 January in New York is January's), oldest first; months without runs are absent.
 * Runs whose distance cannot be trusted (DISTANCE_DISTORTING_FLAGS) are left out. Every column it
 * reads is in the index activities_user_month_totals: keep it so when changing this query. It
 * groups by the month's start and names the months afterwards: grouping by the `YYYY-MM` text
 * sorted every run by a collated string, most of the query's time (docs/benchmarks.md, B6).
 */
export async function monthlyActivityTotals(
  db: Queryable,
  userId: string,
): Promise<MonthTotalRow[]> {
  const { rows } = await db.query<MonthTotalRow>(
    `select to_char(month_start, 'YYYY-MM') as month, runs, distance_m, moving_time_s
     from (select date_trunc('month', start_date_local) as month_start, count(*)::int as runs,
                  sum(distance_m)::float8 as distance_m, sum(moving_time_s)::float8 as moving_time_s
           from activities
           where user_id = $1 and deleted_at is null and not (quality_flags && $2::text[])
           group by 1) as months
     order by month_start`,
    [userId, DISTANCE_DISTORTING_FLAGS],
  );
  return rows;
}

export interface PaceSampleRow {
  id: string;
  start_date_local: string;
  distance_m: number;
  moving_time_s: number;
  temperature_c: number;
}

/**
 * The user's `limit` most recent live runs with a temperature and a pace to plot (enriched
 * weather, distance and moving time above zero, no PACE_DISTORTING_FLAGS), newest first.
 */
export async function recentRunsWithTemperature(
  db: Queryable,
  userId: string,
  limit: number,
): Promise<PaceSampleRow[]> {
  const { rows } = await db.query<PaceSampleRow>(
    `select id, start_date_local, distance_m, moving_time_s, temperature_c
     from activities
     where user_id = $1 and deleted_at is null and weather_status = 'enriched'
       and temperature_c is not null and distance_m > 0 and moving_time_s > 0
       and not (quality_flags && $3::text[])
     order by start_date desc, id desc limit $2`,
    [userId, limit, PACE_DISTORTING_FLAGS],
  );
  return rows;
}

/**
 * Ids of the user's live runs that started after `since` and that their connection may list:
 * private runs only with `activity:read_all`, since without it Strava leaves them out of every
 * listing and their absence proves nothing.
 */
export async function listableActivityIdsSince(
  db: Queryable,
  userId: string,
  since: Date,
): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `select a.id from activities a join strava_connections c on c.user_id = a.user_id
     where a.user_id = $1 and a.deleted_at is null and a.start_date > $2
       and (not a.is_private or 'activity:read_all' = any(c.scopes))`,
    [userId, since.toISOString()],
  );
  return rows.map((row) => row.id);
}

/** Deletes every stored run of the user, soft-deleted ones included; returns how many. */
export async function deleteUserActivities(tx: Queryable, userId: string): Promise<number> {
  const { rowCount } = await tx.query('delete from activities where user_id = $1', [userId]);
  return rowCount;
}

/**
 * Users with runs still waiting for weather or a place (never looked up, or unavailable and
 * maybe due for a retry): whom the weather backfill visits, one user at a time, so each user's
 * feature flags decide what is looked up for them.
 */
export async function usersWithWaitingRuns(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ user_id: string }>(
    `select distinct user_id from activities
     where deleted_at is null
       and (weather_status in ('pending', 'unavailable') or place_status in ('pending', 'unavailable'))
     order by user_id`,
  );
  return rows.map((r) => r.user_id);
}
