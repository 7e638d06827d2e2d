import { z } from 'zod';
import type { FieldIssue } from '../core/errors.ts';
import { STARTABLE_SYNC_KINDS, type StartableSyncKind } from '../core/glossary.ts';
import type { SessionView } from './session-view.ts';

/**
 * The HTTP API's contract, shared by the server (which validates requests with these schemas)
 * and the typed client the dashboard uses. Browser-safe: zod and types only, nothing that
 * reaches the database or Node's modules.
 */

export type { StartableSyncKind };

/** `POST /api/syncs`: the kind, or the server's choice (a backfill first, then incremental). */
export const startSyncBody = z.object({ kind: z.enum(STARTABLE_SYNC_KINDS).optional() });
export type StartSyncBody = z.infer<typeof startSyncBody>;

/** `GET /api/syncs?limit=`: the most recent sessions first. */
export const syncListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(50).default(10),
});

/** ISO 8601 has a year 0000, Postgres has none: its date casts fail on it. */
export function isNotYearZero(value: string): boolean {
  return !value.startsWith('0000');
}
const postgresDate = z.iso.date().refine(isNotYearZero, 'must be a date in year 1 or later');

/** How `GET /api/activities` orders its runs: by start or by distance, each way. */
export const ACTIVITY_SORTS = ['newest', 'oldest', 'longest', 'shortest'] as const;
export type ActivitySort = (typeof ACTIVITY_SORTS)[number];

/** Text a runner types: no control characters (Postgres refuses a NUL in text). */
const typedText = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .refine((value) => !/\p{Cc}/u.test(value), 'must not contain control characters');
/** A distance in metres: up to 1,000 km, more than any run. */
const distanceMetres = z.coerce.number().min(0).max(1_000_000);

/**
 * `GET /api/activities`: a page of runs, newest first unless `sort` says otherwise. `cursor` is
 * opaque (the previous page's `nextCursor`); the server also checks that it is one it gave out,
 * for the same sort. `q` finds runs whose name or place (city, state, country) contains it;
 * `minDistanceM`/`maxDistanceM` bound the distance (both included); `weather=with` keeps runs
 * whose weather was found, `without` the others; `indoor=true` keeps treadmill and virtual runs,
 * `false` the rest.
 */
export const activityListFields = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(200).optional(),
  from: postgresDate.optional(),
  to: postgresDate.optional(),
  sportType: z
    .string()
    .regex(/^[A-Za-z]+$/)
    .max(40)
    .optional(),
  q: typedText.optional(),
  minDistanceM: distanceMetres.optional(),
  maxDistanceM: distanceMetres.optional(),
  weather: z.enum(['with', 'without']).optional(),
  indoor: z.enum(['true', 'false']).optional(),
  sort: z.enum(ACTIVITY_SORTS).default('newest'),
});

/** A date range that ends before it starts is a mistake to point out, not an empty page. */
export function inDateOrder<Schema extends z.ZodType<{ from?: string; to?: string }>>(
  schema: Schema,
) {
  return schema.refine((q) => !q.from || !q.to || q.from <= q.to, {
    message: 'must not be later than to',
    path: ['from'],
  });
}

/** A distance band whose floor is above its ceiling is a mistake too. */
export function inDistanceOrder<
  Schema extends z.ZodType<{ minDistanceM?: number; maxDistanceM?: number }>,
>(schema: Schema) {
  return schema.refine(
    (q) =>
      q.minDistanceM === undefined ||
      q.maxDistanceM === undefined ||
      q.minDistanceM <= q.maxDistanceM,
    { message: 'must not be more than maxDistanceM', path: ['minDistanceM'] },
  );
}

export const activityListQuery = inDistanceOrder(inDateOrder(activityListFields));
export type ActivityListQuery = z.input<typeof activityListQuery>;

/** `DELETE /api/strava/connection?purge=true` also deletes the runner's synced data. */
export const disconnectQuery = z.object({ purge: z.enum(['true', 'false']).default('false') });

/**
 * `POST /api/strava/callback`: what Strava's authorize page put on the dashboard's address
 * (`state` with `code` and the granted `scope`, or with `error`), sent by the signed-in dashboard.
 */
export const stravaCallbackBody = z
  .strictObject({
    state: z.string().min(1).max(2048),
    code: z.string().min(1).max(512).optional(),
    scope: z.string().max(512).optional(),
    error: z.string().max(128).optional(),
  })
  .refine((body) => body.code !== undefined || body.error !== undefined, {
    message: 'Strava sends a code or an error with the state',
    path: ['code'],
  });
export type StravaCallbackBody = z.infer<typeof stravaCallbackBody>;

export type { SessionView };
export type SyncStatus = SessionView['status'];

export interface SessionList {
  items: SessionView[];
}

/** One entry of a session's timeline (`sync_events`): what happened, with its details. */
export interface TimelineEventView {
  /** `sync:started`, `slice:stored`, `total:unknown`, … (src/core/sync-events.ts). */
  type: string;
  payload: Record<string, unknown>;
  createdAt: string;
}

/** `GET /api/syncs/:id/timeline`: the session's whole timeline, oldest first. */
export interface SyncTimeline {
  items: TimelineEventView[];
}

export interface ActivityView {
  id: string;
  name: string;
  sportType: string;
  startDate: string;
  /** Wall-clock time where the run started, without an offset. */
  startDateLocal: string;
  timezone: string | null;
  distanceM: number;
  movingTimeS: number;
  elapsedTimeS: number;
  elevationGainM: number | null;
  averageSpeedMps: number | null;
  averageHeartrateBpm: number | null;
  place: {
    status: string;
    city: string | null;
    state: string | null;
    country: string | null;
    countryCode: string | null;
  };
  weather: {
    status: string;
    reason: string | null;
    provider: string | null;
    observedAt: string | null;
    temperatureC: number | null;
    feelsLikeC: number | null;
    humidityPct: number | null;
    windSpeedMps: number | null;
    windDeg: number | null;
    precipitationMm: number | null;
    description: string | null;
    /** OpenWeatherMap's icon code (`01d`…`50n`), whichever provider observed it. */
    icon: string | null;
  };
  qualityFlags: string[];
}

/** `GET /api/activities/:id`: one run, with what its own page draws. */
export interface ActivityDetailView extends ActivityView {
  /** Strava's encoded polyline of the route (Google's format, 1e-5 degrees); null without GPS. */
  summaryPolyline: string | null;
  start: { lat: number; lng: number } | null;
  end: { lat: number; lng: number } | null;
  maxHeartrateBpm: number | null;
  isTrainer: boolean;
  isManual: boolean;
  /** Where the place came from (`geonames`, `nominatim`), when it was found. */
  placeProvider: string | null;
  /** When the weather was looked up (not the time it describes: that is `weather.observedAt`). */
  weatherRequestedAt: string | null;
}

export interface ActivityPage {
  items: ActivityView[];
  nextCursor: string | null;
}

/** `GET /api/me`. */
export interface MeView {
  id: string;
  email: string | null;
  /**
   * Each feature flag (`weather-enrichment`, `place-enrichment`, `reconcile`, `webhook`,
   * `periodic-syncs`, `provider:<name>`) as evaluated for this user: false hides that part.
   */
  features: Record<string, boolean>;
}

/** The one JSON shape of every error answer. */
export interface ErrorBody {
  error: { code: string; message: string; hint: string; fields?: FieldIssue[] };
}

/** `GET /api/strava/connection`: whether the runner's Strava is connected, and as whom. */
export interface ConnectionView {
  status: 'connected' | 'revoked' | 'not_connected';
  athlete: {
    id: string;
    firstName: string | null;
    lastName: string | null;
    profileImageUrl: string | null;
    /**
     * Strava's `measurement_preference`, which the dashboard's units follow until the runner
     * chooses; null when `profile:read_all` was not granted (or before it was asked for).
     */
    measurementPreference: 'feet' | 'meters' | null;
  } | null;
  scopes: string[];
  /**
   * Scopes stridesync needs that were not granted (`activity:read_all`: private runs); the
   * optional `profile:read_all` (the runner's units) is never listed.
   */
  missingScopes: string[];
  connectedAt: string | null;
  revokedAt: string | null;
  revokedReason: string | null;
}

/** One provider's share of an estimate, as `estimateEnrichment` counts it. */
export interface ProviderCallEstimate {
  provider: string;
  /** Runs to look up: stored runs still waiting (pending, or unavailable and due), and runs to come. */
  lookups: number;
  /** Distinct hours and cells (weather) or cells (places) the shared cache answers: free. */
  cacheHits: number;
  /** Of `lookups`, runs too recent for the provider's archive: looked up once it has them. */
  waiting: number;
  calls: number;
  /** What the provider's quota counts: Open-Meteo's weighted calls, else the calls. */
  quotaUnits: number;
  /** Calendar days of daily caps the calls need (1 when they fit in today's). */
  days: number;
  costUsd: number;
  durationMs: number;
}

/** `GET /api/estimate`: what a backfill of the runner's history will cost, before it starts. */
export interface EstimateView {
  activities: {
    /** Runs the backfill is expected to find. */
    expected: number;
    /** Runs already stored (their weather and place are cached or done). */
    stored: number;
    /** How far off `expected` may be (equal to it when counted from the stored runs). */
    range: { low: number; high: number };
    /** Where `expected` comes from: Strava's athlete totals, or the stored runs alone. */
    basis: 'strava_totals' | 'stored';
    /**
     * What the count rests on, for the runner: Strava's totals leave private runs out; or why
     * they were not used (not connected, Strava did not answer). Null when nothing to say.
     */
    note: string | null;
  };
  strava: { calls: number; durationMs: number };
  weather: ProviderCallEstimate & {
    /** Runs that get weather before the daily quota resets (midnight UTC), from what is left of it today. */
    runsToday: number;
    /** When the last weather call is expected (ISO 8601): the day the rest is done. Null when none is needed. */
    finishesAt: string | null;
  };
  places: ProviderCallEstimate;
  /** All of it, one phase after another. */
  durationMs: number;
  /** From the fewest runs with every lookup cached, to the most runs with none. */
  durationRangeMs: { low: number; high: number };
  computedAt: string;
}

/** `GET /api/activities/stats`: the runner's whole history, shaped for the dashboard's charts. */
export interface ActivityStatsView {
  /**
   * Per local month (`YYYY-MM`, where the run started), oldest first, from the first month with
   * a run to the last; months without runs are there with zeros, so a chart's gaps are real.
   */
  months: { month: string; runs: number; distanceM: number; movingTimeS: number }[];
  /** The most recent runs (at most 2,000) with weather and a distance, newest first. */
  paceVsTemperature: {
    id: string;
    /** Local date of the run, `YYYY-MM-DD`. */
    date: string;
    paceSPerKm: number;
    temperatureC: number;
    distanceM: number;
  }[];
  /** What the history says, worked out by src/core from the two series above. */
  insights: ActivityInsightsView;
}

/** The dashboard's insights (`GET /api/activities/stats`, `insights`); docs/dashboard.md. */
export interface ActivityInsightsView {
  /**
   * Least-squares line of pace (s/km) on temperature (°C) over `paceVsTemperature`: pace ≈
   * interceptSPerKm + slopeSPerKmPerC × temperature. Null under two runs or one temperature.
   */
  paceTrend: { slopeSPerKmPerC: number; interceptSPerKm: number; r2: number; runs: number } | null;
  /**
   * The 5 °C band (`fromC` included, `toC` excluded) of the fastest median pace among bands of
   * at least `minRuns` runs of `paceVsTemperature`; null when no band has that many.
   */
  bestTemperature: {
    fromC: number;
    toC: number;
    runs: number;
    medianPaceSPerKm: number;
    minRuns: number;
  } | null;
  /**
   * Distance per calendar month of `year` (the current UTC year) beside the year before, January
   * first; months still to come are null. Null when there are no runs at all.
   */
  yearOverYear: {
    year: number;
    months: { month: number; distanceM: number | null; previousYearDistanceM: number }[];
  } | null;
}

/** `GET /api/local/session`: a token for the local install's one user (no Supabase Auth). */
export interface LocalSessionView {
  accessToken: string;
  expiresAt: string;
  user: Pick<MeView, 'id' | 'email'>;
}
