import { Hono } from 'hono';
import { z } from 'zod';
import {
  type ActivityDetailView,
  type ActivityView,
  activityListFields,
  inDateOrder,
  inDistanceOrder,
  isNotYearZero,
} from '../../api/contract.ts';
import { NotFoundError } from '../../core/errors.ts';
import { stravaIdSchema } from '../../core/strava-id.ts';
import {
  type ActivityDetailRow,
  type ActivityListRow,
  getActivity,
  listActivities,
  sortKeyOf,
} from '../../store/activity-store.ts';
import type { Database } from '../../store/database.ts';
import type { AppEnv } from '../app-env.ts';
import { requireUser } from '../auth.ts';
import type { JwtVerifier } from '../jwt.ts';
import { validateQuery } from '../validate.ts';

/**
 * `GET /api/activities`: the signed-in runner's runs, a page at a time, in the order `sort` asks.
 * The cursor is the sort and the last row's (sort key, id), so pages stay right while a sync adds
 * runs (offsets would shift), and a cursor is refused under another sort than its own.
 */
const idSchema = stravaIdSchema; // also refuses ids beyond bigint, which the query's cast would fail on
const cursorSchema = z.union([
  z.tuple([z.enum(['newest', 'oldest']), z.iso.datetime().refine(isNotYearZero), idSchema]),
  z.tuple([z.enum(['longest', 'shortest']), z.number().min(0).max(1_000_000), idSchema]),
]);

const listQuery = inDistanceOrder(
  inDateOrder(
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
  ),
).refine((q) => !q.cursor || q.cursor[0] === q.sort, {
  message: 'belongs to another sort: start again from the first page',
  path: ['cursor'],
});

/**
 * The runner's runs, and one run's own page. Every query names the signed-in user: another
 * runner's run answers 404, exactly like an unknown one.
 */
export function activityRoutes(deps: { db: Database; auth: JwtVerifier }) {
  return new Hono<AppEnv>()
    .get('/api/activities', requireUser(deps.auth), validateQuery(listQuery), async (c) => {
      const q = c.req.valid('query');
      // One row more than the page: whether it exists says whether there is a next page.
      const rows = await listActivities(deps.db, c.get('user').id, {
        limit: q.limit + 1,
        sort: q.sort,
        after: q.cursor ? [q.cursor[1], q.cursor[2]] : undefined,
        from: q.from,
        to: q.to,
        sportType: q.sportType,
        text: q.q,
        minDistanceM: q.minDistanceM,
        maxDistanceM: q.maxDistanceM,
        weather: q.weather,
        indoor: q.indoor === undefined ? undefined : q.indoor === 'true',
      });
      const page = rows.slice(0, q.limit);
      const last = page.at(-1);
      c.header('cache-control', 'no-store');
      return c.json({
        items: page.map(activityView),
        nextCursor:
          rows.length > q.limit && last
            ? Buffer.from(JSON.stringify([q.sort, sortKeyOf(last, q.sort), last.id])).toString(
                'base64url',
              )
            : null,
      });
    })
    .get('/api/activities/:id', requireUser(deps.auth), async (c) => {
      const id = c.req.param('id');
      const row = idSchema.safeParse(id).success
        ? await getActivity(deps.db, c.get('user').id, id)
        : null;
      if (!row) throw notFound();
      c.header('cache-control', 'no-store');
      return c.json(activityDetailView(row));
    });
}

function activityDetailView(r: ActivityDetailRow): ActivityDetailView {
  return {
    ...activityView(r),
    summaryPolyline: r.summary_polyline,
    start:
      r.start_lat === null || r.start_lng === null ? null : { lat: r.start_lat, lng: r.start_lng },
    end: r.end_lat === null || r.end_lng === null ? null : { lat: r.end_lat, lng: r.end_lng },
    maxHeartrateBpm: r.max_heartrate_bpm,
    isTrainer: r.is_trainer,
    isManual: r.is_manual,
    placeProvider: r.place_provider,
    weatherRequestedAt: r.weather_requested_at?.toISOString() ?? null,
  };
}

function notFound(): NotFoundError {
  return new NotFoundError({
    code: 'activity_not_found',
    userMessage: 'There is no such run in your account.',
    hint: 'Check the link, or find the run in your list of runs.',
  });
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
