import type { Clock } from '../core/clock.ts';
import { AppError, toAppError } from '../core/errors.ts';
import type { Logger } from '../observability/logger.ts';
import type { Database } from '../store/database.ts';
import { fetchAthleteStats } from '../strava/athlete-stats.ts';
import { readConnectionProfile } from '../strava/connection-store.ts';
import type { StravaClient } from '../strava/strava-client.ts';
import type { TokenManager } from '../strava/token-manager.ts';

/** What reaching Strava for a user's totals takes. */
export interface StravaReach {
  client: StravaClient;
  tokens: TokenManager;
}

export interface StravaTotals {
  /** Runs Strava counts (public ones only). */
  runs: number;
  /** Activities the walk will list: runs, rides and swims. */
  listed: number;
}

/** Strava's totals, or why there are none (said to the user: the estimate falls back). */
export type TotalsOutcome = { totals: StravaTotals } | { note: string };

/** Strava's totals cost two calls of the user's budget: asked again at most this often. */
export const STRAVA_TOTALS_MEMO_MS = 10 * 60_000;
/** After a failure, Strava is left alone this long, so reloading the page spends nothing. */
const STRAVA_FAILURE_MEMO_MS = 60_000;

const STORED_ONLY = 'The estimate counts only the runs already stored.';

/**
 * Strava's totals for a connected user, memoised per user; a note instead when there are none
 * (not connected, access revoked, no Strava on this server, Strava failed): the estimate never
 * fails because of Strava.
 */
export function createStravaTotals(deps: { db: Database; clock: Clock; strava?: StravaReach }) {
  const memo = new Map<string, { outcome: TotalsOutcome; expiresAtMs: number }>();
  return async (userId: string, logger: Logger): Promise<TotalsOutcome> => {
    const connection = await readConnectionProfile(deps.db, userId);
    if (!connection) return { note: `Strava is not connected. ${STORED_ONLY}` };
    if (connection.revoked_at) return { note: `Strava's access was revoked. ${STORED_ONLY}` };
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
  strava: StravaReach,
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
