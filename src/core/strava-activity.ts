import { z } from 'zod';
import { stravaIdSchema } from './strava-id.ts';

/**
 * Strava's SummaryActivity, as GET /athlete/activities returns it. Tolerant on purpose: Strava
 * adds fields without notice and omits the ones a device did not record, and one odd record
 * must not stop a sync. Unknown fields pass through (they are kept in `strava_summary` for
 * reprocessing); only what the transform reads is checked.
 */

/** `null`, `[]` (Strava's "no GPS") or `[lat, lng]`; ranges are checked by the transform. */
const latLng = z.union([z.tuple([z.number(), z.number()]), z.tuple([])]).nullish();

/** A measurement the device may not have recorded (heart rate, cadence, elevation). */
const optionalNumber = z.number().nullish();

export const stravaSummaryActivitySchema = z.looseObject({
  id: stravaIdSchema,
  athlete: z.looseObject({ id: stravaIdSchema }),
  name: z.string(),
  sport_type: z.string().min(1),
  /** Deprecated by Strava in favour of `sport_type`; never relied on. */
  type: z.string().nullish(),
  distance: z.number(),
  moving_time: z.number(),
  elapsed_time: z.number(),
  total_elevation_gain: optionalNumber,
  elev_high: optionalNumber,
  elev_low: optionalNumber,
  start_date: z.iso.datetime({ offset: true }),
  /** Local wall time, but Strava suffixes it with a misleading `Z`. */
  start_date_local: z.iso.datetime({ offset: true, local: true }),
  /** e.g. `(GMT-05:00) America/New_York`. */
  timezone: z.string().nullish(),
  /** Seconds east of UTC at the start; sometimes a float such as -14400.0. */
  utc_offset: optionalNumber,
  start_latlng: latLng,
  end_latlng: latLng,
  map: z.looseObject({ summary_polyline: z.string().nullish() }).nullish(),
  trainer: z.boolean().nullish(),
  commute: z.boolean().nullish(),
  manual: z.boolean().nullish(),
  private: z.boolean().nullish(),
  visibility: z.string().nullish(),
  average_speed: optionalNumber,
  max_speed: optionalNumber,
  average_cadence: optionalNumber,
  average_heartrate: optionalNumber,
  max_heartrate: optionalNumber,
  /**
   * Exceeds 2^53 in Strava's own example, so as a JSON number it is already imprecise. Never
   * used as a key; `upload_id_str` is the exact value when one is needed.
   */
  upload_id: z.union([z.number(), z.string()]).nullish(),
  upload_id_str: z.string().nullish(),
});

export type StravaSummaryActivity = z.infer<typeof stravaSummaryActivitySchema>;
