import { z } from 'zod';
import { ENRICHMENT_STATUSES } from './glossary.ts';
import { isIanaTimeZone } from './timezone.ts';

/**
 * One stored activity: a row of the `activities` table, column for column. Every row is checked
 * against `activityRowSchema` before it is written, so a transform bug surfaces as a recorded
 * reject instead of a bad row. Units are SI, named in the column (`_m`, `_s`, `_mps`).
 */

export const QUALITY_FLAGS = [
  'zero_distance',
  'no_gps',
  'impossible_pace',
  'zero_duration',
  'name_too_long',
  'implausibly_slow',
  'coordinates_out_of_range',
] as const;
export type QualityFlag = (typeof QUALITY_FLAGS)[number];

/** Flags that make a run's pace meaningless: such runs stay out of pace charts. */
export const PACE_DISTORTING_FLAGS: readonly QualityFlag[] = [
  'zero_distance',
  'impossible_pace',
  'zero_duration',
  'implausibly_slow',
];

/**
 * Flags that make a run's distance untrustworthy (a ride saved as a run): such runs stay out of
 * distance totals. A run logged by time alone (no distance) still counts its time.
 */
export const DISTANCE_DISTORTING_FLAGS: readonly QualityFlag[] = ['impossible_pace'];

/** Postgres `bigint` in decimal; ids are strings everywhere in our TypeScript. */
const decimalId = z.string().regex(/^[1-9]\d*$/, 'must be a positive decimal integer');
const nonNegative = z.number().nonnegative();
const latitude = z.number().min(-90).max(90).nullable();
const longitude = z.number().min(-180).max(180).nullable();
/** Real offsets span UTC-12 to UTC+14; ±18 h is the widest ISO 8601 allows. */
const MAX_UTC_OFFSET_S = 18 * 3600;

export const activityRowSchema = z
  .object({
    id: decimalId,
    /** Postgres accepts any 8-4-4-4-12 hex uuid, so we do too (`z.uuid()` demands a version). */
    user_id: z.guid(),
    athlete_id: decimalId,
    name: z.string(),
    sport_type: z.string().min(1),
    start_date: z.iso.datetime({ error: 'must be an ISO-8601 UTC time ending in Z' }),
    start_date_local: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/, 'must be a wall time YYYY-MM-DDTHH:MM:SS')
      .pipe(z.iso.datetime({ local: true })),
    timezone: z.string().refine(isIanaTimeZone, 'must be an IANA time zone').nullable(),
    utc_offset_s: z.int().min(-MAX_UTC_OFFSET_S).max(MAX_UTC_OFFSET_S).nullable(),
    distance_m: nonNegative,
    moving_time_s: z.int().nonnegative(),
    elapsed_time_s: z.int().nonnegative(),
    total_elevation_gain_m: nonNegative.nullable(),
    elev_high_m: z.number().nullable(),
    elev_low_m: z.number().nullable(),
    average_speed_mps: nonNegative.nullable(),
    max_speed_mps: nonNegative.nullable(),
    average_heartrate_bpm: nonNegative.nullable(),
    max_heartrate_bpm: nonNegative.nullable(),
    /** As Strava reports it: for runs, steps of one foot per minute (half the step rate). */
    average_cadence_rpm: nonNegative.nullable(),
    start_lat: latitude,
    start_lng: longitude,
    end_lat: latitude,
    end_lng: longitude,
    summary_polyline: z.string().nullable(),
    is_manual: z.boolean(),
    is_trainer: z.boolean(),
    is_commute: z.boolean(),
    is_private: z.boolean(),
    weather_status: z.enum(ENRICHMENT_STATUSES),
    place_status: z.enum(ENRICHMENT_STATUSES),
    quality_flags: z.array(z.enum(QUALITY_FLAGS)),
    /** The validated Strava summary (ids as strings), kept whole so rows can be rebuilt. */
    strava_summary: z.record(z.string(), z.unknown()),
  })
  .superRefine((row, ctx) => {
    for (const end of ['start', 'end'] as const) {
      const lat = row[`${end}_lat`];
      const lng = row[`${end}_lng`];
      if ((lat === null) !== (lng === null)) {
        ctx.addIssue({
          code: 'custom',
          path: [`${end}_lat`],
          message: `${end}_lat and ${end}_lng must both be set or both be null`,
        });
      } else if (lat === 0 && lng === 0) {
        ctx.addIssue({
          code: 'custom',
          path: [`${end}_lat`],
          message: `${end} (0, 0) means no GPS and must be stored as null`,
        });
      }
    }
  });

export type ActivityRow = z.infer<typeof activityRowSchema>;
