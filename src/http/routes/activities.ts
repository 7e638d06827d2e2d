import { Hono } from 'hono';
import { z } from 'zod';
import {
  type ActivityView,
  activityListFields,
  inDateOrder,
  isNotYearZero,
} from '../../api/contract.ts';
import { stravaIdSchema } from '../../core/strava-id.ts';
import { type ActivityListRow, listActivities } from '../../store/activity-store.ts';
import type { Database } from '../../store/database.ts';
import type { AppEnv } from '../app-env.ts';
import { requireUser } from '../auth.ts';
import type { JwtVerifier } from '../jwt.ts';
import { validateQuery } from '../validate.ts';

/**
 * `GET /api/activities`: the signed-in runner's runs, newest first, a page at a time. The cursor
 * is the last row's (start, id), so pages stay right while a sync adds runs (offsets would shift);
 * served by the index activities_user_start.
 */
const cursorSchema = z.tuple([
  z.iso.datetime().refine(isNotYearZero),
  stravaIdSchema, // also refuses ids beyond bigint, which the query's cast would fail on
]);

const listQuery = inDateOrder(
  activityListFields.extend({
    cursor: z
      .string()
      .max(200)
      .transform((value, ctx) => {
        const parsed = cursorSchema.safeParse(safeDecode(value));
        if (parsed.success) return parsed.data;
        ctx.addIssue({ code: 'custom', message: 'is not a cursor this API gave out' });
        return z.NEVER;
      })
      .optional(),
  }),
);

export function activityRoutes(deps: { db: Database; auth: JwtVerifier }) {
  return new Hono<AppEnv>().get(
    '/api/activities',
    requireUser(deps.auth),
    validateQuery(listQuery),
    async (c) => {
      const q = c.req.valid('query');
      // One row more than the page: whether it exists says whether there is a next page.
      const rows = await listActivities(deps.db, c.get('user').id, {
        limit: q.limit + 1,
        before: q.cursor,
        from: q.from,
        to: q.to,
        sportType: q.sportType,
      });
      const page = rows.slice(0, q.limit);
      const last = page.at(-1);
      c.header('cache-control', 'no-store');
      return c.json({
        items: page.map(activityView),
        nextCursor:
          rows.length > q.limit && last
            ? Buffer.from(JSON.stringify([last.start_date.toISOString(), last.id])).toString(
                'base64url',
              )
            : null,
      });
    },
  );
}

function activityView(r: ActivityListRow): ActivityView {
  return {
    id: r.id,
    name: r.name,
    sportType: r.sport_type,
    startDate: r.start_date.toISOString(),
    startDateLocal: r.start_date_local,
    timezone: r.timezone,
    distanceM: r.distance_m,
    movingTimeS: r.moving_time_s,
    elapsedTimeS: r.elapsed_time_s,
    elevationGainM: r.total_elevation_gain_m,
    averageSpeedMps: r.average_speed_mps,
    averageHeartrateBpm: r.average_heartrate_bpm,
    place: {
      status: r.place_status,
      city: r.city,
      state: r.state,
      country: r.country,
      countryCode: r.country_code,
    },
    weather: {
      status: r.weather_status,
      reason: r.weather_error,
      provider: r.weather_provider,
      observedAt: r.weather_observed_at?.toISOString() ?? null,
      temperatureC: r.temperature_c,
      feelsLikeC: r.feels_like_c,
      humidityPct: r.humidity_pct,
      windSpeedMps: r.wind_speed_mps,
      windDeg: r.wind_deg,
      precipitationMm: r.precipitation_mm,
      description: r.weather_description,
      icon: r.weather_icon,
    },
    qualityFlags: r.quality_flags,
  };
}

function safeDecode(value: string): unknown {
  try {
    return JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}
