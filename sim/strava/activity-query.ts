import type { SimActivity } from './types.ts';

/**
 * GET /athlete/activities: filter, order and page, as Strava does.
 * - `before` / `after` are epoch seconds, both exclusive.
 * - `after` later than now answers 400 (strava_400_after_future.json): what a client that
 *   passes milliseconds gets.
 * - Newest first; with only `after`, Strava has been reported to answer oldest first, and the
 *   `afterOnlyOrder` knob picks which the simulator does.
 * - `page` from 1, `per_page` default 30, capped at 200 (larger values get 200, silently).
 * - Offset paging over live data: an activity created or deleted between two pages shifts
 *   the later pages, as on Strava. Only a time cursor walks such a list safely.
 */
export const DEFAULT_PER_PAGE = 30;
export const MAX_PER_PAGE = 200;

export interface ActivityQuery {
  beforeS: number | null;
  afterS: number | null;
  page: number;
  perPage: number;
}

export type ListingOrder = 'ascending' | 'descending';

export type QueryParseResult =
  | { ok: true; query: ActivityQuery }
  | { ok: false; error: 'invalid'; field: string }
  | { ok: false; error: 'after-in-future' };

export function parseActivityQuery(
  params: Record<string, string | undefined>,
  nowMs: number,
): QueryParseResult {
  const fields = ['before', 'after', 'page', 'per_page'] as const;
  const values: Partial<Record<(typeof fields)[number], number>> = {};
  for (const field of fields) {
    const raw = params[field];
    if (raw === undefined || raw === '') continue;
    // Simplified: Strava's answer to a non-numeric value is not on record; a 400 naming the
    // field is what the simulator gives.
    if (!/^-?\d+(\.\d+)?$/.test(raw.trim())) return { ok: false, error: 'invalid', field };
    values[field] = Math.floor(Number(raw));
  }
  if (values.after !== undefined && values.after * 1000 > nowMs) {
    return { ok: false, error: 'after-in-future' };
  }
  const perPage = values.per_page;
  return {
    ok: true,
    query: {
      beforeS: values.before ?? null,
      afterS: values.after ?? null,
      page: Math.max(1, values.page ?? 1),
      perPage:
        perPage === undefined || perPage < 1 ? DEFAULT_PER_PAGE : Math.min(perPage, MAX_PER_PAGE),
    },
  };
}

/** `timeline` is oldest first (as the world keeps it); the result is one page. */
export function selectActivities(
  timeline: readonly SimActivity[],
  query: ActivityQuery,
  afterOnlyOrder: ListingOrder,
): SimActivity[] {
  const matching = timeline.filter(
    (activity) =>
      activity.deletedMs === null &&
      (query.beforeS === null || activity.startMs < query.beforeS * 1000) &&
      (query.afterS === null || activity.startMs > query.afterS * 1000),
  );
  const ascending =
    query.afterS !== null && query.beforeS === null && afterOnlyOrder === 'ascending';
  const ordered = ascending ? matching : matching.reverse();
  const offset = (query.page - 1) * query.perPage;
  return ordered.slice(offset, offset + query.perPage);
}
