import { Hono } from 'hono';
import type { EstimateView } from '../../api/contract.ts';
import { createApiLedger, type LedgerLine } from '../../budget/api-ledger.ts';
import type { PartialLimits } from '../../budget/provider-limits.ts';
import { STRAVA_DEFAULT_LIMITS, windowAt } from '../../budget/rate-windows.ts';
import type { Clock } from '../../core/clock.ts';
import { AppError, TransientError, toAppError } from '../../core/errors.ts';
import type { EnrichmentServices } from '../../enrichment/enrichment-services.ts';
import type { PlaceProviderName } from '../../enrichment/geocoding/place-provider.ts';
import {
  cellCentre,
  cellKey,
  cellOf,
  WEATHER_CELLS_PER_DEGREE,
} from '../../enrichment/grid-cell.ts';
import type { WeatherProviderName } from '../../enrichment/weather/weather-observation.ts';
import { type EstimatePoint, estimateEnrichment } from '../../estimate/enrichment-estimate.ts';
import { cachedKeys, storedRuns } from '../../estimate/stored-runs.ts';
import type { Logger } from '../../observability/logger.ts';
import type { Database } from '../../store/database.ts';
import { ATHLETE_STATS_CALLS, fetchAthleteStats } from '../../strava/athlete-stats.ts';
import { MAX_PER_PAGE, STRAVA_PROVIDER } from '../../strava/strava-client.ts';
import type { AppEnv } from '../app-env.ts';
import { requireUser } from '../auth.ts';
import type { JwtVerifier } from '../jwt.ts';
import type { StravaDeps } from './strava-connection.ts';

/** What the estimate counts enrichment against: the providers enrichment asks first. */
export interface EstimateSettings {
  weatherProvider: WeatherProviderName;
  placeProvider: PlaceProviderName;
  limits?: PartialLimits;
}

/** The providers enrichment asks first, which the estimate counts calls against. */
export function estimateSettingsOf(services: EnrichmentServices): EstimateSettings | undefined {
  const [weather] = services.weather;
  const [place] = services.places;
  return weather && place
    ? { weatherProvider: weather.name, placeProvider: place.name }
    : undefined;
}

interface EstimateDeps {
  db: Database;
  clock: Clock;
  auth: JwtVerifier;
  strava?: Pick<StravaDeps, 'client' | 'tokens'>;
  settings?: EstimateSettings;
}

/** Strava's totals cost two calls of the user's budget: asked again at most this often. */
export const STRAVA_TOTALS_MEMO_MS = 10 * 60_000;
/** After a failure, Strava is left alone this long, so reloading the page spends nothing. */
const STRAVA_FAILURE_MEMO_MS = 60_000;
/** About how long Strava takes to answer one call (a page of 200 summaries, the stats). */
export const STRAVA_CALL_MS = 1_000;

/**
 * `GET /api/estimate`: what a backfill of the runner's history will cost before it starts.
 *
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
 */
export function estimateRoutes(deps: EstimateDeps) {
  const totalsOf = stravaTotals(deps);
  const ledger = createApiLedger(deps.db, deps.clock);
  return new Hono<AppEnv>().get('/api/estimate', requireUser(deps.auth), async (c) => {
    const settings = deps.settings;
    if (!settings) throw estimateUnavailable();
    const userId = c.get('user').id;
    const now = deps.clock.now();
    const stored = await storedRuns(deps.db, userId);
    const strava = await totalsOf(userId, c.get('logger'));
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

    c.header('cache-control', 'no-store');
    return c.json({
      activities: {
        expected,
        stored: stored.runs,
        basis: totals ? 'strava_totals' : 'stored',
        note: 'note' in strava ? strava.note : null,
      },
      strava: { calls: stravaCalls, durationMs: stravaMs },
      weather: enrichment.weather,
      places: enrichment.places,
      durationMs: stravaMs + enrichment.durationMs,
      computedAt: new Date(now).toISOString(),
    } satisfies EstimateView);
  });
}

interface StravaTotals {
  /** Runs Strava counts (public ones only). */
  runs: number;
  /** Activities the walk will list: runs, rides and swims. */
  listed: number;
}

type TotalsOutcome = { totals: StravaTotals } | { note: string };

const STORED_ONLY = 'The estimate counts only the runs already stored.';

/** Strava's totals for a connected user, memoised per user; a note instead when there are none. */
function stravaTotals(deps: EstimateDeps) {
  const memo = new Map<string, { outcome: TotalsOutcome; expiresAtMs: number }>();
  return async (userId: string, logger: Logger): Promise<TotalsOutcome> => {
    const { rows } = await deps.db.query<{ revoked_at: Date | null }>(
      'select revoked_at from strava_connections where user_id = $1',
      [userId],
    );
    if (!rows[0]) return { note: `Strava is not connected. ${STORED_ONLY}` };
    if (rows[0].revoked_at) return { note: `Strava's access was revoked. ${STORED_ONLY}` };
    if (!deps.strava) return { note: `This server does not reach Strava. ${STORED_ONLY}` };
    const now = deps.clock.now();
    const hit = memo.get(userId);
    if (hit && hit.expiresAtMs > now) return hit.outcome;

    const outcome = await askStrava(deps.strava, userId, logger);
    for (const [key, entry] of memo) if (entry.expiresAtMs <= now) memo.delete(key);
    const ttl = 'totals' in outcome ? STRAVA_TOTALS_MEMO_MS : STRAVA_FAILURE_MEMO_MS;
    memo.set(userId, { outcome, expiresAtMs: now + ttl });
    return outcome;
  };
}

async function askStrava(
  strava: NonNullable<EstimateDeps['strava']>,
  userId: string,
  logger: Logger,
): Promise<TotalsOutcome> {
  try {
    const stats = await strava.tokens.withAccessToken(userId, (token) =>
      fetchAthleteStats(strava.client, token),
    );
    const runs = stats.all_run_totals.count;
    const others = (stats.all_ride_totals?.count ?? 0) + (stats.all_swim_totals?.count ?? 0);
    return { totals: { runs, listed: runs + others } };
  } catch (thrown) {
    const error = toAppError(thrown);
    // Expected failures (Strava down, budget spent, access revoked) are the user's news, not
    // ours; anything else is a bug worth the stack, and still must not break the estimate.
    if (thrown instanceof AppError)
      logger.warn({ code: error.code, detail: error.message }, 'estimate without Strava totals');
    else logger.error({ err: thrown }, 'estimate without Strava totals');
    return { note: `${error.userMessage} ${STORED_ONLY}` };
  }
}

/**
 * Runs Strava has that are not stored yet have no coordinates to count, so they are counted at
 * their worst: each alone in a weather cell (and so a place cell) of its own, shared with no
 * stored run and no other new run. `estimateEnrichment` then charges each one weather call
 * (Open-Meteo: a one-day range, its smallest call, which still weighs what a 14-day one does)
 * and one place lookup, the most a run can cost. Runs without GPS, and runners who start from
 * the same doorsteps, cost less; so the real figures are at most these.
 */
function worstCasePoints(
  count: number,
  stored: readonly EstimatePoint[],
  at: Date,
): EstimatePoint[] {
  const taken = new Set(stored.map((p) => cellKey(cellOf(p.lat, p.lng, WEATHER_CELLS_PER_DEGREE))));
  const latCells = 2 * 80 * WEATHER_CELLS_PER_DEGREE + 1; // 80°S to 80°N, row after row
  const points: EstimatePoint[] = [];
  for (let i = 0; points.length < count; i++) {
    const cell = {
      latCell: (i % latCells) - 80 * WEATHER_CELLS_PER_DEGREE,
      lngCell: Math.floor(i / latCells) - 180 * WEATHER_CELLS_PER_DEGREE,
    };
    if (!taken.has(cellKey(cell)))
      points.push({ ...cellCentre(cell, WEATHER_CELLS_PER_DEGREE), at });
  }
  return points;
}

/**
 * How long `calls` GETs take under Strava's read limits, one after another, starting from what
 * the ledger says is already spent in the current windows: a spent 15-minute window waits for
 * the next quarter hour, a spent day for midnight UTC (`windowAt`, as Strava resets them).
 */
export function stravaDurationMs(
  calls: number,
  startMs: number,
  ledger: readonly LedgerLine[],
): number {
  const line = (bucket: string, fallback: number) => {
    const found = ledger.find((l) => l.bucket === bucket && l.windowStart.getTime() <= startMs);
    return { limit: Math.max(1, found?.limit ?? fallback), used: found?.used ?? 0 };
  };
  const quarterLine = line('read:15min', STRAVA_DEFAULT_LIMITS.read15min);
  const dayLine = line('read:daily', STRAVA_DEFAULT_LIMITS.readDaily);
  let t = startMs;
  let quarter = { end: windowAt('15min', t).end.getTime(), used: quarterLine.used };
  let day = { end: windowAt('daily', t).end.getTime(), used: dayLine.used };
  for (let left = calls; left > 0; ) {
    if (t >= day.end) day = { end: windowAt('daily', t).end.getTime(), used: 0 };
    if (t >= quarter.end) quarter = { end: windowAt('15min', t).end.getTime(), used: 0 };
    if (day.used >= dayLine.limit) t = day.end;
    else if (quarter.used >= quarterLine.limit) t = quarter.end;
    else {
      t += STRAVA_CALL_MS;
      quarter.used++;
      day.used++;
      left--;
    }
  }
  return t - startMs;
}

function estimateUnavailable(): TransientError {
  return new TransientError({
    code: 'estimate_unavailable',
    userMessage: 'This server cannot estimate a sync: it was started without its weather settings.',
    hint: 'You can still start the sync; tell the operator if estimates stay unavailable.',
  });
}
