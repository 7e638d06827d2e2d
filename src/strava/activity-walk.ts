/**
 * Walks an athlete's activity list with a start-time cursor, newest first, one page (slice) at a
 * time. Page numbers are never carried across a long walk: an activity added or deleted while
 * the walk runs would shift every later page by one, skipping or repeating a record. A time
 * cursor does not move when the list changes.
 *
 * The cursor is `before` (epoch seconds) plus the ids already seen at that exact second: several
 * activities can start in the same second (a device uploading twice, a split recording), so the
 * next page asks for `before = boundary + 1` and drops the ids it has seen. Pages are sorted here,
 * so the walk is right whichever order Strava returns them in. The cursor is plain JSON: the sync
 * engine saves it as its checkpoint, in the same transaction as the rows of the slice.
 */
export interface WalkCursor {
  /** Only activities that started before this (epoch seconds). */
  before: number;
  /** Only activities that started after this (epoch seconds): the incremental sync's floor. */
  after?: number;
  /** Ids already seen that start at `before - 1`, the boundary second. */
  boundaryIds: string[];
}

/**
 * The first cursor of a walk. `before` is always sent, a day past now (clocks drift): with only
 * `after`, Strava has been seen to return the OLDEST activities first, which a newest-first walk
 * would then cut short.
 */
export function startCursor(nowMs: number, after?: number): WalkCursor {
  const before = Math.floor(nowMs / 1000) + 24 * 3600;
  return after === undefined ? { before, boundaryIds: [] } : { before, after, boundaryIds: [] };
}

export interface WalkSlice {
  /** The page's records, raw, newest first, without any already seen. */
  records: unknown[];
  /** Where the next slice starts; null when the walk is complete. */
  next: WalkCursor | null;
}

export type ListPage = (params: {
  before?: number;
  after?: number;
  perPage: number;
}) => Promise<unknown[]>;

export async function fetchSlice(
  list: ListPage,
  cursor: WalkCursor,
  perPage: number,
): Promise<WalkSlice> {
  const page = await list({ before: cursor.before, after: cursor.after, perPage });
  const seen = new Set(cursor.boundaryIds);
  const dated = page
    .map((record) => ({ record, id: idOf(record), start: startOf(record) }))
    .filter((item) => item.id === undefined || !seen.has(item.id))
    .sort((a, b) => (b.start ?? -Infinity) - (a.start ?? -Infinity));
  const records = dated.map((item) => item.record);
  const starts = dated.flatMap((item) => (item.start === undefined ? [] : [item.start]));
  if (page.length < perPage || starts.length === 0) return { records, next: null };

  const oldest = Math.min(...starts);
  const atBoundary = dated
    .filter((item) => item.start === oldest)
    .flatMap((item) => (item.id ? [item.id] : []));
  const sameBoundary = cursor.before === oldest + 1;
  if (records.length === 0) {
    // A whole page of activities from one second, all seen: step past that second, or the walk
    // would ask for the same page forever. Needs more than `perPage` starts in one second.
    return { records, next: { ...cursor, before: oldest, boundaryIds: [] } };
  }
  return {
    records,
    next: {
      ...cursor,
      before: oldest + 1,
      boundaryIds: sameBoundary ? [...cursor.boundaryIds, ...atBoundary] : atBoundary,
    },
  };
}

function idOf(record: unknown): string | undefined {
  const id = (record as { id?: unknown } | null)?.id;
  return typeof id === 'number' || typeof id === 'string' ? String(id) : undefined;
}

function startOf(record: unknown): number | undefined {
  const value = (record as { start_date?: unknown } | null)?.start_date;
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}
