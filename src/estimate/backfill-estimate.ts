import { createApiLedger } from '../budget/api-ledger.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../observability/logger.ts';
import type { Database } from '../store/database.ts';
import { ATHLETE_STATS_CALLS } from '../strava/athlete-stats.ts';
import { MAX_PER_PAGE, STRAVA_PROVIDER } from '../strava/strava-client.ts';
import { type EnrichmentEstimate, estimateEnrichment } from './enrichment-estimate.ts';
import type { EstimateSettings } from './estimate-settings.ts';
import { cachedKeys, storedRuns } from './stored-runs.ts';
import { stravaDurationMs } from './strava-duration.ts';
import { createStravaTotals, type StravaReach } from './strava-totals.ts';
import { worstCasePoints } from './worst-case-points.ts';

/** What a backfill of a runner's history will cost, before it starts. */
export interface BackfillEstimate {
  activities: {
    /** Runs the backfill is expected to find. */
    expected: number;
    stored: number;
    basis: 'strava_totals' | 'stored';
    /** Why Strava's totals were not used, when they were not. */
    note?: string;
  };
  strava: { calls: number; durationMs: number };
  enrichment: EnrichmentEstimate;
  /** All of it, one phase after another. */
  durationMs: number;
  computedAt: Date;
}

/**
 * - Runs expected: Strava's athlete totals when connected (the same figure a backfill measures
 *   its progress against), or the stored runs when not, or when Strava does not answer: the
 *   estimate never fails because of Strava, it says why it fell back (`note`). Strava counts
 *   only public runs, so the larger of its count and the stored runs is expected.
 * - Strava calls: the stats (as the backfill asks them) and one list page per 200 activities
 *   listed (rides and swims too, as Strava counts them; other sports are not in its totals),
 *   timed under Strava's read limits from the ledger's current use.
 * - Weather and places: `estimateEnrichment` over the stored runs' midpoints, with what the
 *   caches already hold as cached, plus the worst case for runs not stored yet (see
 *   `worstCasePoints`).
 *
 * Strava's totals are memoised per user for the estimator's life (see strava-totals.ts).
 */
export function createBackfillEstimator(deps: {
  db: Database;
  clock: Clock;
  settings: EstimateSettings;
  strava?: StravaReach;
}) {
  const totalsOf = createStravaTotals(deps);
  const ledger = createApiLedger(deps.db, deps.clock);
  const { settings } = deps;
  return async (userId: string, logger: Logger): Promise<BackfillEstimate> => {
    const now = deps.clock.now();
    const stored = await storedRuns(deps.db, userId);
    const strava = await totalsOf(userId, logger);
    const totals = 'totals' in strava ? strava.totals : undefined;
    const expected = Math.max(totals?.runs ?? 0, stored.runs);
    const listed = Math.max(totals?.listed ?? 0, expected);

    const points = [
      ...stored.points,
      ...worstCasePoints(expected - stored.runs, stored.points, new Date(now)),
    ];
    const enrichment = estimateEnrichment(points, {
      weatherProvider: settings.weatherProvider,
      placeProvider: settings.placeProvider,
      ...(settings.limits ? { limits: settings.limits } : {}),
      cached: await cachedKeys(deps.db, stored.points, {
        weather: settings.weatherProvider,
        places: settings.placeProvider,
      }),
    });
    const stravaCalls = ATHLETE_STATS_CALLS + Math.floor(listed / MAX_PER_PAGE) + 1;
    const stravaMs = stravaDurationMs(stravaCalls, now, await ledger.snapshot(STRAVA_PROVIDER));

    return {
      activities: {
        expected,
        stored: stored.runs,
        basis: totals ? 'strava_totals' : 'stored',
        ...('note' in strava ? { note: strava.note } : {}),
      },
      strava: { calls: stravaCalls, durationMs: stravaMs },
      enrichment,
      durationMs: stravaMs + enrichment.durationMs,
      computedAt: new Date(now),
    };
  };
}
