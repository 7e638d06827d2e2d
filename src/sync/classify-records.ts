import type { ActivityRow } from '../core/activity.ts';
import { isRunActivity, parseActivityOrReject } from '../core/transform-activity.ts';

/**
 * Sorts one page of raw Strava records into runs to store, ids that are not runs (a stored run
 * whose sport type was changed on Strava must go), and skip counts by reason. Nothing is dropped
 * silently: every record is either a row or counted under a reason.
 */
export function classifyRecords(
  records: readonly unknown[],
  userId: string,
  sportTypes: readonly string[],
) {
  const rows: ActivityRow[] = [];
  const notRuns: string[] = [];
  const skipped: Record<string, number> = {};
  for (const record of records) {
    const parsed = parseActivityOrReject(record, userId);
    if (!parsed.ok) {
      skipped[parsed.code] = (skipped[parsed.code] ?? 0) + 1;
    } else if (isRunActivity(parsed.row, sportTypes)) {
      rows.push(parsed.row);
    } else {
      notRuns.push(parsed.row.id);
      skipped.not_a_run = (skipped.not_a_run ?? 0) + 1;
    }
  }
  return { rows, notRuns, skipped };
}
