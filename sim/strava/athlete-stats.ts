import { float } from './strava-json.ts';
import type { SimActivity } from './types.ts';

/**
 * ActivityStats as GET /athletes/{id}/stats returns it. Faithful: "recent" is the last four
 * weeks, "ytd" the calendar year, and, as Strava documents, only activities visible to
 * Everyone count; so a client that uses `all_run_totals.count` as the size of a backfill
 * undercounts whenever the athlete has private runs. Simplified: the year starts at midnight
 * UTC (Strava uses the athlete's zone), and sport families are the ones listed below.
 */
const RUN_TYPES = new Set(['Run', 'TrailRun', 'VirtualRun']);
const RIDE_TYPES = new Set(['Ride', 'VirtualRide', 'MountainBikeRide', 'GravelRide', 'EBikeRide']);
const SWIM_TYPES = new Set(['Swim']);
const RECENT_MS = 28 * 86_400_000;

export function athleteStatsJson(
  activities: SimActivity[],
  nowMs: number,
): Record<string, unknown> {
  const counted = activities.filter((a) => a.deletedMs === null && a.visibility === 'everyone');
  const yearStart = Date.UTC(new Date(nowMs).getUTCFullYear(), 0, 1);
  const recent = counted.filter((a) => a.startMs >= nowMs - RECENT_MS && a.startMs <= nowMs);
  const ytd = counted.filter((a) => a.startMs >= yearStart && a.startMs <= nowMs);
  const rides = counted.filter((a) => RIDE_TYPES.has(a.sportType));
  return {
    biggest_ride_distance: float(Math.max(0, ...rides.map((a) => a.distanceM))),
    biggest_climb_elevation_gain: rides.length
      ? float(Math.max(...rides.map((a) => a.elevationGainM)))
      : null,
    recent_ride_totals: totals(recent, RIDE_TYPES, true),
    all_ride_totals: totals(counted, RIDE_TYPES, false),
    recent_run_totals: totals(recent, RUN_TYPES, true),
    all_run_totals: totals(counted, RUN_TYPES, false),
    recent_swim_totals: totals(recent, SWIM_TYPES, true),
    all_swim_totals: totals(counted, SWIM_TYPES, false),
    ytd_ride_totals: totals(ytd, RIDE_TYPES, false),
    ytd_run_totals: totals(ytd, RUN_TYPES, false),
    ytd_swim_totals: totals(ytd, SWIM_TYPES, false),
  };
}

/** Recent totals carry float distances and achievement counts; the others whole numbers. */
function totals(activities: SimActivity[], types: Set<string>, recent: boolean) {
  const matching = activities.filter((a) => types.has(a.sportType));
  const sum = (pick: (a: SimActivity) => number) => matching.reduce((t, a) => t + pick(a), 0);
  const distance = sum((a) => a.distanceM);
  const elevation = sum((a) => a.elevationGainM);
  const base = {
    count: matching.length,
    distance: recent ? float(Math.round(distance * 10) / 10) : Math.round(distance),
    moving_time: sum((a) => a.movingTimeS),
    elapsed_time: sum((a) => a.elapsedTimeS),
    elevation_gain: recent ? float(Math.round(elevation * 10) / 10) : Math.round(elevation),
  };
  return recent ? { ...base, achievement_count: sum((a) => a.achievementCount) } : base;
}
