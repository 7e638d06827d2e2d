import type { Clock } from '../core/clock.ts';
import { AppError, toAppError } from '../core/errors.ts';
import { isRunActivity, parseActivityOrReject } from '../core/transform-activity.ts';
import { holdsAnyPlace } from '../enrichment/geocoding/place-cache.ts';
import type { PlaceProviderName } from '../enrichment/geocoding/place-provider.ts';
import {
  cellKey,
  cellOf,
  DAY_MS,
  PLACE_CELLS_PER_DEGREE,
  weatherSlotKey,
  weatherSlotOf,
} from '../enrichment/grid-cell.ts';
import { DEFAULT_ARCHIVE_DELAY_DAYS } from '../enrichment/providers/open-meteo/open-meteo-weather.ts';
import { runMidpoint } from '../enrichment/weather/run-midpoint.ts';
import { holdsAnyWeather } from '../enrichment/weather/weather-cache.ts';
import type { WeatherProviderName } from '../enrichment/weather/weather-observation.ts';
import type { Logger } from '../observability/logger.ts';
import { liveActivityIds } from '../store/activity-store.ts';
import type { Database } from '../store/database.ts';
import { MAX_PER_PAGE } from '../strava/strava-client.ts';
import type { EstimatePoint } from './enrichment-estimate.ts';
import { cachedKeys } from './stored-runs.ts';
import { STRAVA_TOTALS_MEMO_MS, type StravaReach } from './strava-totals.ts';

/**
 * What the shared caches already answer of a runner's runs not stored here. Nothing of those
 * runs is known before they are listed — a neighbour's runs start where the caches' other
 * runners run, a purged runner's runs are exactly what the caches hold — so it is measured on
 * a sample: Strava's newest page (one call of 200 activities, memoised like the totals, and
 * only asked when the caches hold anything for these providers), its runs not stored here
 * looked up in the caches. The sample is the runner's most recent runs: the share is carried
 * over to the older ones, which the estimate's range allows to be all or none cached.
 */
export interface CacheSample {
  /** Runs of the newest page not stored here, with a place to look up. */
  runs: number;
  /** Of their distinct weather slots (cell and hour) old enough to be asked, the share cached. */
  weatherShare: number;
  /** Of their distinct place cells (0.01°), the share cached. */
  placeShare: number;
}

interface SampledRun {
  id: string;
  point: EstimatePoint;
}

/** After a failure, Strava is left alone this long: the estimate goes on without a sample. */
const SAMPLE_FAILURE_MEMO_MS = 60_000;

export function createCacheSampler(deps: { db: Database; clock: Clock; strava?: StravaReach }) {
  const memo = new Map<string, { runs: SampledRun[] | undefined; expiresAtMs: number }>();

  async function newestRuns(userId: string, logger: Logger): Promise<SampledRun[] | undefined> {
    const now = deps.clock.now();
    const hit = memo.get(userId);
    if (hit && hit.expiresAtMs > now) return hit.runs;
    const runs = deps.strava ? await askStrava(deps.strava, userId, logger) : undefined;
    for (const [key, entry] of memo) if (entry.expiresAtMs <= now) memo.delete(key);
    const ttl = runs ? STRAVA_TOTALS_MEMO_MS : SAMPLE_FAILURE_MEMO_MS;
    memo.set(userId, { runs, expiresAtMs: now + ttl });
    return runs;
  }

  return async (
    userId: string,
    providers: {
      weather: readonly WeatherProviderName[];
      places: readonly PlaceProviderName[];
    },
    logger: Logger,
  ): Promise<CacheSample | undefined> => {
    const [weatherHeld, placesHeld] = await Promise.all([
      holdsAnyWeather(deps.db, providers.weather),
      holdsAnyPlace(deps.db, providers.places),
    ]);
    if (!weatherHeld && !placesHeld) return undefined;
    const page = await newestRuns(userId, logger);
    if (!page) return undefined;
    const live = await liveActivityIds(
      deps.db,
      userId,
      page.map((run) => run.id),
    );
    const points = page.filter((run) => !live.has(run.id)).map((run) => run.point);
    if (points.length === 0) return undefined;
    // Runs too recent for the archive are looked up later, whoever ran there: left out.
    const askableBefore = deps.clock.now() - (DEFAULT_ARCHIVE_DELAY_DAYS + 1) * DAY_MS;
    const cached = await cachedKeys(deps.db, points, providers);
    return {
      runs: points.length,
      weatherShare: shareOf(
        points.filter((p) => p.at.getTime() < askableBefore).map(slotKeyOf),
        cached.weather,
      ),
      placeShare: shareOf(points.map(placeKeyOf), cached.places),
    };
  };
}

/**
 * The keys of runs not known here that the caches are expected to answer: the sample's share of
 * their distinct weather slots and place cells, spread evenly over them.
 */
export function sampledCacheKeys(
  points: readonly EstimatePoint[],
  sample: CacheSample | undefined,
): { weather: string[]; places: string[] } {
  if (!sample) return { weather: [], places: [] };
  return {
    weather: spread([...new Set(points.map(slotKeyOf))], sample.weatherShare),
    places: spread([...new Set(points.map(placeKeyOf))], sample.placeShare),
  };
}

export function slotKeyOf(p: EstimatePoint): string {
  return weatherSlotKey(weatherSlotOf(p.lat, p.lng, p.at.getTime()));
}

export function placeKeyOf(p: EstimatePoint): string {
  return cellKey(cellOf(p.lat, p.lng, PLACE_CELLS_PER_DEGREE));
}

/** What the note says of a sample that found anything cached. */
export function sampleNote(sample: CacheSample): string {
  const pct = (share: number) => `${Math.round(share * 100)} %`;
  return `Of your ${sample.runs} newest runs not stored here, ${pct(sample.placeShare)} of their places and ${pct(sample.weatherShare)} of their weather hours are already known from other runs: the estimate expects as much of your older runs; its range allows for all or none.`;
}

function shareOf(keys: readonly string[], cached: ReadonlySet<string>): number {
  const distinct = new Set(keys);
  if (distinct.size === 0) return 0;
  return [...distinct].filter((key) => cached.has(key)).length / distinct.size;
}

/** `share` of the keys, every one in turn so they fall evenly over the sync's batches. */
function spread(keys: readonly string[], share: number): string[] {
  return keys.filter((_, i) => Math.floor((i + 1) * share) > Math.floor(i * share));
}

async function askStrava(
  strava: StravaReach,
  userId: string,
  logger: Logger,
): Promise<SampledRun[] | undefined> {
  try {
    const records = await strava.tokens.withAccessToken(userId, (token) =>
      strava.client.listActivities(token, { page: 1, perPage: MAX_PER_PAGE }),
    );
    return records.flatMap((record) => {
      const parsed = parseActivityOrReject(record, userId);
      if (!parsed.ok || !isRunActivity(parsed.row)) return [];
      const { id, start_lat, start_lng, start_date, elapsed_time_s, weather_status } = parsed.row;
      if (start_lat === null || start_lng === null || weather_status === 'not_applicable')
        return [];
      const at = runMidpoint(new Date(start_date), elapsed_time_s);
      return [{ id, point: { lat: start_lat, lng: start_lng, at } }];
    });
  } catch (thrown) {
    const error = toAppError(thrown);
    if (thrown instanceof AppError)
      logger.warn({ code: error.code, detail: error.message }, 'estimate without a cache sample');
    else logger.error({ err: thrown }, 'estimate without a cache sample');
    return undefined;
  }
}
