/**
 * How the Open-Meteo archive is asked: one call per 0.1° cell and date range, serving every run
 * in that cell whose hour falls in the range. Open-Meteo weighs a call by its length (a call of
 * up to 14 days counts 1, longer ones count days / 14), so covering a needed day costs the same
 * whether it rides in a long range or a short one; what wastes budget is paying for days nobody
 * ran. Hence: consecutive needed days share a range while the gap between them is at most
 * `mergeGapDays` (bridging such a gap costs no more than opening a new call), and a range never
 * exceeds `maxChunkDays` (bounded responses: a year of hourly rows is ~1 MB).
 */

export interface DayRange {
  /** Epoch days (UTC), inclusive. */
  startDay: number;
  endDay: number;
}

export interface ChunkPolicy {
  mergeGapDays: number;
  maxChunkDays: number;
}

export const DEFAULT_CHUNK_POLICY: ChunkPolicy = { mergeGapDays: 14, maxChunkDays: 366 };

/** The ranges covering `days` (any order, duplicates allowed), in order. */
export function planArchiveChunks(
  days: Iterable<number>,
  policy: ChunkPolicy = DEFAULT_CHUNK_POLICY,
): DayRange[] {
  const sorted = [...new Set(days)].sort((a, b) => a - b);
  const ranges: DayRange[] = [];
  for (const day of sorted) {
    const current = ranges.at(-1);
    const bridgeable = current !== undefined && day - current.endDay - 1 <= policy.mergeGapDays;
    if (current && bridgeable && day - current.startDay + 1 <= policy.maxChunkDays) {
      current.endDay = day;
    } else {
      ranges.push({ startDay: day, endDay: day });
    }
  }
  return ranges;
}

/** Open-Meteo's published weighting of one call: locations × variables/10 × days/14, each ≥ 1. */
export function archiveCallWeight(range: DayRange, variables: number, locations = 1): number {
  const days = range.endDay - range.startDay + 1;
  return locations * Math.max(1, variables / 10) * Math.max(1, days / 14);
}
