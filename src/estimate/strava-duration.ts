import type { LedgerLine } from '../budget/api-ledger.ts';
import { STRAVA_DEFAULT_LIMITS, windowAt } from '../budget/rate-windows.ts';

/** About how long Strava takes to answer one call (a page of 200 summaries, the stats). */
export const STRAVA_CALL_MS = 1_000;

/**
 * How long `calls` GETs take, `callMs` each, under Strava's read limits, one after another, starting from what
 * the ledger says is already spent in the current windows: a spent 15-minute window waits for
 * the next quarter hour, a spent day for midnight UTC (`windowAt`, as Strava resets them).
 */
export function stravaDurationMs(
  calls: number,
  startMs: number,
  ledger: readonly LedgerLine[],
  callMs = STRAVA_CALL_MS,
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
      t += callMs;
      quarter.used++;
      day.used++;
      left--;
    }
  }
  return t - startMs;
}
