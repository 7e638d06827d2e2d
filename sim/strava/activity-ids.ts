import type { Random } from './random.ts';

/**
 * Realistic activity ids. Strava's ids grow with upload time (about 1.5e9 in 2018, 1.6e10 in
 * late 2025, as the fixtures show); ids here follow that curve so that sorting by id is
 * roughly, not exactly, sorting by start time, as it is for real (a manual entry typed in days
 * later gets a later id). All stay far below 2^53.
 */
const ANCHORS: readonly (readonly [number, number])[] = [
  [Date.UTC(2009, 0, 1), 1_000_000],
  [Date.UTC(2014, 0, 1), 100_000_000],
  [Date.UTC(2018, 4, 1), 1_550_000_000],
  [Date.UTC(2020, 0, 1), 2_990_000_000],
  [Date.UTC(2022, 0, 1), 6_480_000_000],
  [Date.UTC(2024, 0, 1), 10_500_000_000],
  [Date.UTC(2025, 9, 20), 16_195_505_756],
];
const IDS_PER_MS_AFTER_LAST = 3_200_000_000 / (365.25 * 86_400_000);

/** The id Strava would have been handing out at `createdMs`, plus jitter. */
export function activityIdAt(createdMs: number, random: Random): number {
  return Math.floor(baseIdAt(createdMs)) + random.int(0, 50_000);
}

function baseIdAt(ms: number): number {
  const first = ANCHORS[0] as readonly [number, number];
  if (ms <= first[0]) return first[1];
  for (let i = 1; i < ANCHORS.length; i++) {
    const [t1, id1] = ANCHORS[i] as readonly [number, number];
    const [t0, id0] = ANCHORS[i - 1] as readonly [number, number];
    if (ms <= t1) return id0 + ((id1 - id0) * (ms - t0)) / (t1 - t0);
  }
  const [lastMs, lastId] = ANCHORS.at(-1) as readonly [number, number];
  return lastId + (ms - lastMs) * IDS_PER_MS_AFTER_LAST;
}

/** Upload ids run ahead of activity ids by about 7% (16195505756 → 17279496051 in 2025). */
export function uploadIdFor(activityId: number, random: Random): string {
  return String(Math.floor(activityId * 1.067) + random.int(0, 9_999));
}
