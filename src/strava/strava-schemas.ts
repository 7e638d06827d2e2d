import { z } from 'zod';
import { stravaIdSchema } from '../core/strava-id.ts';

/**
 * Shapes of Strava's OAuth and athlete responses, as far as stridesync reads them; unknown
 * fields pass through. Samples: test/fixtures/api-samples/strava_token_*.json.
 */
export const stravaAthleteSchema = z.looseObject({
  id: stravaIdSchema,
  username: z.string().nullish(),
  firstname: z.string().nullish(),
  lastname: z.string().nullish(),
  city: z.string().nullish(),
  state: z.string().nullish(),
  country: z.string().nullish(),
  profile: z.string().nullish(),
  /** `feet` or `meters`: on the detailed athlete only (GET /athlete with `profile:read_all`). */
  measurement_preference: z.string().nullish(),
});
export type StravaAthlete = z.infer<typeof stravaAthleteSchema>;

export const stravaTokenResponseSchema = z.looseObject({
  token_type: z.string().optional(),
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  /** Epoch seconds. */
  expires_at: z.number().int().positive(),
  expires_in: z.number().int().optional(),
  /** Present on the authorization-code exchange, absent on a refresh. */
  athlete: stravaAthleteSchema.optional(),
});
export type StravaTokenResponse = z.infer<typeof stravaTokenResponseSchema>;

const totalsSchema = z.looseObject({
  count: z.number().int().nonnegative(),
  distance: z.number().nonnegative(),
  moving_time: z.number().nonnegative(),
  elapsed_time: z.number().nonnegative(),
  elevation_gain: z.number().optional(),
});

/** GET /athletes/{id}/stats: totals used to estimate how much a backfill will list. */
export const stravaAthleteStatsSchema = z.looseObject({
  all_run_totals: totalsSchema,
  all_ride_totals: totalsSchema.optional(),
  all_swim_totals: totalsSchema.optional(),
  recent_run_totals: totalsSchema.optional(),
  ytd_run_totals: totalsSchema.optional(),
});
export type StravaAthleteStats = z.infer<typeof stravaAthleteStatsSchema>;
