import type { ActivityRow } from '../core/activity.ts';
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
