import type { z } from 'zod';
import {
  type ActivityRow,
  activityRowSchema,
  QUALITY_FLAGS,
  type QualityFlag,
} from './activity.ts';
import { DEFAULT_RUN_SPORT_TYPES, type EnrichmentStatus } from './glossary.ts';
import { type StravaSummaryActivity, stravaSummaryActivitySchema } from './strava-activity.ts';
import { stravaIdSchema } from './strava-id.ts';
import { parseStravaTimezone } from './timezone.ts';

/**
 * Strava summary → stored row. Strava already speaks SI (metres, seconds, m/s), so values are
 * copied as they are and only rounded where the column is an integer.
 */

/** Faster than any human over 400 m and beyond (the 400 m world record averages ~9.3 m/s). */
export const IMPOSSIBLE_RUN_SPEED_MPS = 7;
/** Slower than a slow walk (~21 min/km): a "run" at this pace was a watch left running. */
export const IMPLAUSIBLY_SLOW_RUN_SPEED_MPS = 0.8;
/** Below this a GPS jump can fake any speed, so short efforts are not judged on pace. */
export const IMPOSSIBLE_PACE_MIN_DISTANCE_M = 400;
/** Longer names are kept whole (Strava allows them) but flagged for UIs that truncate. */
export const MAX_NAME_LENGTH = 255;

/** `strava_summary_invalid`: Strava's payload failed its schema; `row_invalid`: our row did. */
export type ActivityRejectCode = 'strava_summary_invalid' | 'row_invalid';

export type ActivityParseResult =
  | { ok: true; row: ActivityRow }
  | { ok: false; code: ActivityRejectCode; reason: string; stravaId?: string };

export type QualityInput = Pick<
  ActivityRow,
  | 'name'
  | 'sport_type'
  | 'distance_m'
  | 'moving_time_s'
  | 'elapsed_time_s'
  | 'start_lat'
  | 'start_lng'
> & {
  /** Strava sent a coordinate outside ±90/±180 (stored as no GPS). */
  coordinatesOutOfRange?: boolean;
};

interface Point {
  lat: number;
  lng: number;
}

export function isRunActivity(
  activity: { sport_type: string },
  sportTypes: readonly string[] = DEFAULT_RUN_SPORT_TYPES,
): boolean {
  return sportTypes.includes(activity.sport_type);
}

export function toActivityRow(summary: StravaSummaryActivity, userId: string): ActivityRow {
  const start = toPoint(summary.start_latlng);
  const end = toPoint(summary.end_latlng);
  const enrichment = ingestEnrichmentStatus(summary, start);
  const row: Omit<ActivityRow, 'quality_flags'> = {
    id: summary.id,
    user_id: userId,
    athlete_id: summary.athlete.id,
    name: summary.name,
    sport_type: summary.sport_type,
    start_date: toUtcIso(summary.start_date),
    start_date_local: toWallTime(summary.start_date_local),
    timezone: parseStravaTimezone(summary.timezone),
    utc_offset_s: roundOrNull(summary.utc_offset),
    distance_m: summary.distance,
    moving_time_s: Math.round(summary.moving_time),
    elapsed_time_s: Math.round(summary.elapsed_time),
    total_elevation_gain_m: summary.total_elevation_gain ?? null,
    elev_high_m: summary.elev_high ?? null,
    elev_low_m: summary.elev_low ?? null,
    average_speed_mps: summary.average_speed ?? null,
    max_speed_mps: summary.max_speed ?? null,
    average_heartrate_bpm: summary.average_heartrate ?? null,
    max_heartrate_bpm: summary.max_heartrate ?? null,
    average_cadence_rpm: summary.average_cadence ?? null,
    start_lat: start?.lat ?? null,
    start_lng: start?.lng ?? null,
    end_lat: end?.lat ?? null,
    end_lng: end?.lng ?? null,
    // An empty polyline (manual and indoor activities) is no route, like null.
    summary_polyline: summary.map?.summary_polyline || null,
    is_manual: summary.manual === true,
    is_trainer: summary.trainer === true,
    is_commute: summary.commute === true,
    is_private: summary.private === true || summary.visibility === 'only_me',
    weather_status: enrichment,
    place_status: enrichment,
    strava_summary: summary,
  };
  const coordinatesOutOfRange =
    isOutOfRange(summary.start_latlng) || isOutOfRange(summary.end_latlng);
  return { ...row, quality_flags: evaluateQuality({ ...row, coordinatesOutOfRange }) };
}

/**
 * Data-quality flags, in `QUALITY_FLAGS` order. Flags never reject: a flagged run is stored and
 * shown, and the UI or a report decides what to make of it. The pace rule applies to running
 * sport types only; a ride at 7 m/s is ordinary.
 */
export function evaluateQuality(
  activity: QualityInput,
  runSportTypes: readonly string[] = DEFAULT_RUN_SPORT_TYPES,
): QualityFlag[] {
  const { distance_m, moving_time_s, elapsed_time_s } = activity;
  const judgedOnPace =
    isRunActivity(activity, runSportTypes) &&
    distance_m >= IMPOSSIBLE_PACE_MIN_DISTANCE_M &&
    moving_time_s > 0;
  const speed = judgedOnPace ? distance_m / moving_time_s : undefined;
  const tooFast = speed !== undefined && speed > IMPOSSIBLE_RUN_SPEED_MPS;
  const raised: Record<QualityFlag, boolean> = {
    zero_distance: distance_m === 0,
    no_gps: activity.start_lat === null || activity.start_lng === null,
    impossible_pace: tooFast || elapsed_time_s < moving_time_s,
    zero_duration: moving_time_s === 0 || elapsed_time_s === 0,
    // Code points, as Postgres `char_length` counts them; an emoji is one character.
    name_too_long: [...activity.name].length > MAX_NAME_LENGTH,
    implausibly_slow: speed !== undefined && speed < IMPLAUSIBLY_SLOW_RUN_SPEED_MPS,
    coordinates_out_of_range: activity.coordinatesOutOfRange === true,
  };
  return QUALITY_FLAGS.filter((flag) => raised[flag]);
}

/**
 * Validates one raw record from Strava and turns it into a row. Never throws: a bad record is
 * returned with a reason, so the caller records it and the sync goes on.
 */
export function parseActivityOrReject(raw: unknown, userId: string): ActivityParseResult {
  const summary = stravaSummaryActivitySchema.safeParse(raw);
  if (!summary.success) {
    return reject('strava_summary_invalid', summary.error, stravaIdOf(raw));
  }
  const row = activityRowSchema.safeParse(toActivityRow(summary.data, userId));
  if (!row.success) return reject('row_invalid', row.error, summary.data.id);
  return { ok: true, row: row.data };
}

function reject(
  code: ActivityRejectCode,
  error: z.ZodError,
  stravaId: string | undefined,
): ActivityParseResult {
  const issues = error.issues.map(
    (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
  );
  const reason = `${code === 'strava_summary_invalid' ? 'Strava activity' : 'activity row'} is invalid: ${issues.join('; ')}`;
  return stravaId === undefined
    ? { ok: false, code, reason }
    : { ok: false, code, reason, stravaId };
}

/** The record's id when it is usable, so the reject can name the activity; else undefined. */
function stravaIdOf(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null || !('id' in raw)) return undefined;
  const id = stravaIdSchema.safeParse(raw.id);
  return id.success ? id.data : undefined;
}

/**
 * Weather and place need a real place: no usable start point, a trainer (treadmill) or manual
 * entry, or a virtual activity (Zwift and the like, whose coordinates are a game world's) has
 * nothing to look up.
 */
function ingestEnrichmentStatus(
  summary: StravaSummaryActivity,
  start: Point | null,
): EnrichmentStatus {
  const nowhere =
    start === null ||
    summary.trainer === true ||
    summary.manual === true ||
    summary.sport_type.startsWith('Virtual');
  return nowhere ? 'not_applicable' : 'pending';
}

/** `null`, `[]`, `[0, 0]` (what some devices write when they had no fix) and out-of-range
 * pairs are all "no GPS": storing them would send weather lookups to the Gulf of Guinea. */
function toPoint(latlng: StravaSummaryActivity['start_latlng']): Point | null {
  if (latlng?.length !== 2) return null;
  const [lat, lng] = latlng;
  if (lat === 0 && lng === 0) return null;
  if (Math.abs(lat) > 90 || Math.abs(lng) > 180) return null;
  return { lat, lng };
}

function isOutOfRange(latlng: StravaSummaryActivity['start_latlng']): boolean {
  if (latlng?.length !== 2) return false;
  const [lat, lng] = latlng;
  return Math.abs(lat) > 90 || Math.abs(lng) > 180;
}

/** Normalised to `YYYY-MM-DDTHH:MM:SSZ`; Strava's times have whole seconds. */
function toUtcIso(value: string): string {
  return new Date(value).toISOString().replace('.000Z', 'Z');
}

/** Strava's `start_date_local` is wall time with a misleading `Z`: keep the wall time only. */
function toWallTime(value: string): string {
  return value.slice(0, 'YYYY-MM-DDTHH:MM:SS'.length);
}

function roundOrNull(value: number | null | undefined): number | null {
  return value === null || value === undefined ? null : Math.round(value);
}
