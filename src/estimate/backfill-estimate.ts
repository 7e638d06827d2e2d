import { createApiLedger } from '../budget/api-ledger.ts';
import { LEDGER_PROVIDER } from '../budget/provider-limits.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../observability/logger.ts';
import type { Database } from '../store/database.ts';
import { ATHLETE_STATS_CALLS } from '../strava/athlete-stats.ts';
import { MAX_PER_PAGE, STRAVA_PROVIDER } from '../strava/strava-client.ts';
import {
  type CacheSample,
  createCacheSampler,
  placeKeyOf,
  sampledCacheKeys,
  sampleNote,
  slotKeyOf,
} from './cache-sample.ts';
import { type EnrichmentEstimate, estimateEnrichment } from './enrichment-estimate.ts';
import { cacheProvidersOf, type EstimateSettings, resolveTiming } from './estimate-settings.ts';
import type { LineUse } from './paced-calls.ts';
import { cachedKeys, storedRuns } from './stored-runs.ts';
import { stravaDurationMs } from './strava-duration.ts';
import { createStravaTotals, type StravaReach } from './strava-totals.ts';
import { unknownRunPoints } from './unknown-runs.ts';

/** What a backfill of a runner's history will cost, before it starts. */
export interface BackfillEstimate {
  activities: {
    /** Runs the backfill is expected to find. */
    expected: number;
    /** How far off `expected` may be: Strava's totals leave runs out (see `note`). */
    range: { low: number; high: number };
    stored: number;
    basis: 'strava_totals' | 'stored';
    /** What the count rests on and why it is uncertain, or why Strava's totals were not used. */
    note?: string;
  };
  strava: { calls: number; durationMs: number };
  enrichment: EnrichmentEstimate;
  /** All of it, one phase after another, and its range (runs from `activities.range`; lookups all cached at best). */
  durationMs: number;
  durationRangeMs: { low: number; high: number };
  computedAt: Date;
}

/**
 * Strava's totals count only activities visible to Everyone, and only runs, rides and swims.
 * A runner hides some runs (followers only, only me; the simulator's athletes hide about 15 %,
 * the figure used), up to about a third (the range's top); walks, hikes, workouts and the like
 * are listed too but counted nowhere (about a fifth of the simulator's activities).
 */
export const HIDDEN_SHARE = 0.15;
export const MAX_HIDDEN_SHARE = 0.35;
export const UNCOUNTED_TYPES_SHARE = 0.2;

export const PUBLIC_ONLY_NOTE =
  'Strava counts only runs visible to Everyone: runs for followers or only you are found too, so expect more than it says. Walks, rides and other activities are listed as well, but not stored.';

/**
 * - Runs expected: from Strava's athlete totals when connected (the public runs, plus the
 *   share runners usually hide), else the stored runs; the estimate never fails because of
 *   Strava, it says why it fell back (`note`). Never fewer than are stored.
 * - Strava calls: the stats (as the backfill asks them) and one list page per 200 activities of
 *   every type, timed under Strava's read limits from the ledger's current use.
 * - Weather and places: `estimateEnrichment` over the runs still waiting (stored and
 *   `pending`, or `unavailable` and due), runs deleted here that the backfill restores still
 *   waiting, and the runs not stored yet (`unknownRunPoints`), with what the caches hold as
 *   cached and the ledger's spent windows, from when the listing ends. Of the runs not stored
 *   yet, the share the caches answer is measured on Strava's newest page (`CacheSample`) when
 *   the caches hold anything; the range's high end counts none of them cached, its low end all.
 *
 * Strava's totals and the sampled page are memoised per user for the estimator's life (see
 * strava-totals.ts, cache-sample.ts).
 */
export function createBackfillEstimator(deps: {
  db: Database;
  clock: Clock;
  settings: EstimateSettings;
  strava?: StravaReach;
}) {
  const totalsOf = createStravaTotals(deps);
  const sampleOf = createCacheSampler(deps);
  const ledger = createApiLedger(deps.db, deps.clock);
  const { settings } = deps;
  const timing = resolveTiming(settings.timing);
  return async (userId: string, logger: Logger): Promise<BackfillEstimate> => {
    const now = deps.clock.now();
    const stored = await storedRuns(deps.db, userId, now);
    const strava = await totalsOf(userId, logger);
    const totals = 'totals' in strava ? strava.totals : undefined;
    const atLeast = (n: number) => Math.max(stored.runs, Math.round(n));
    const expected = totals ? atLeast(totals.runs / (1 - HIDDEN_SHARE)) : stored.runs;
    const range = totals
      ? { low: atLeast(totals.runs), high: atLeast(totals.runs / (1 - MAX_HIDDEN_SHARE)) }
      : { low: stored.runs, high: stored.runs };
    const listedOf = (runs: number) =>
      totals
        ? (runs + (totals.listed - totals.runs) * (runs / Math.max(1, totals.runs))) /
          (1 - UNCOUNTED_TYPES_SHARE)
        : runs;

    // Runs Strava has that nothing here knows of: what the caches hold of them is sampled.
    const unknownRuns = expected - stored.runs - stored.deleted.length;
    const sample =
      totals && unknownRuns > 0
        ? await sampleOf(userId, cacheProvidersOf(settings), logger)
        : undefined;

    const enrich = async (runs: number, sampled?: CacheSample) => {
      const toCome = Math.max(0, runs - stored.runs);
      const returning = stored.deleted.slice(-toCome);
      const unknown = unknownRunPoints(
        toCome - returning.length,
        { points: stored.points, runs: stored.runs },
        now,
      );
      const weatherTodo = [
        ...stored.weatherTodo,
        ...returning.flatMap((r) => (r.weather ? [r.weather] : [])),
      ];
      const placeTodo = [
        ...stored.placeTodo,
        ...returning.flatMap((r) => (r.place ? [r.place] : [])),
      ];
      const stravaCalls = ATHLETE_STATS_CALLS + Math.floor(listedOf(runs) / MAX_PER_PAGE) + 1;
      const stravaMs = stravaDurationMs(
        stravaCalls,
        now,
        await ledger.snapshot(STRAVA_PROVIDER),
        timing.stravaCallMs,
      );
      const known = await cachedKeys(
        deps.db,
        [...weatherTodo, ...placeTodo],
        cacheProvidersOf(settings),
      );
      const options = {
        weatherProvider: settings.weatherProvider,
        placeProvider: settings.placeProvider,
        ...(settings.limits ? { limits: settings.limits } : {}),
        timing,
        startMs: now + stravaMs,
        spent: await spentLines(),
      };
      const expectedCached = sampledCacheKeys(unknown, sampled);
      const enrichment = estimateEnrichment([...weatherTodo, ...unknown], {
        ...options,
        placePoints: [...placeTodo, ...unknown],
        cached: {
          weather: new Set([...known.weather, ...expectedCached.weather]),
          places: new Set([...known.places, ...expectedCached.places]),
        },
      });
      // At best the shared caches answer every run not known here (a runner's history stored
      // before, deleted and synced again): only the known runs' calls remain.
      const cachedOnly = estimateEnrichment([...weatherTodo, ...unknown], {
        ...options,
        placePoints: [...placeTodo, ...unknown],
        cached: {
          weather: new Set([...known.weather, ...unknown.map(slotKeyOf)]),
          places: new Set([...known.places, ...unknown.map(placeKeyOf)]),
        },
      });
      return { stravaCalls, stravaMs, enrichment, cachedOnly };
    };

    async function spentLines(): Promise<LineUse[]> {
      const providers = Object.values(LEDGER_PROVIDER);
      const snapshots = await Promise.all(providers.map((p) => ledger.snapshot(p)));
      return providers.flatMap((provider, i) =>
        (snapshots[i] ?? []).map((line) => ({
          name: `${provider}:${line.bucket}`,
          windowStartMs: line.windowStart.getTime(),
          used: line.used,
        })),
      );
    }

    const point = await enrich(expected, sample);
    // At worst the caches answer none of the runs not known here, whatever the sample said.
    const high = range.high === expected && !sample ? point : await enrich(range.high);
    const low = range.low === expected ? point : await enrich(range.low);
    const total = (e: { stravaMs: number; enrichment: EnrichmentEstimate }) =>
      e.stravaMs + e.enrichment.durationMs;
    const sampled =
      sample && (sample.placeShare > 0 || sample.weatherShare > 0) ? sampleNote(sample) : undefined;
    const note = totals
      ? [PUBLIC_ONLY_NOTE, sampled].filter(Boolean).join(' ')
      : 'note' in strava
        ? strava.note
        : undefined;
    return {
      activities: {
        expected,
        range,
        stored: stored.runs,
        basis: totals ? 'strava_totals' : 'stored',
        ...(note ? { note } : {}),
      },
      strava: { calls: point.stravaCalls, durationMs: point.stravaMs },
      enrichment: point.enrichment,
      durationMs: total(point),
      durationRangeMs: {
        low: low.stravaMs + low.cachedOnly.durationMs,
        high: total(high),
      },
      computedAt: new Date(now),
    };
  };
}
