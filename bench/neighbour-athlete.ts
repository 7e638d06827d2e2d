import { nearestPlace } from '../sim/places.ts';
import type { AddAthleteOptions, SimActivity } from '../sim/strava/index.ts';

/**
 * The second runner of the cache figures: someone who lives where the demo athlete lives (the
 * same home cities, in the same order) but is their own person: their own seed, so their own
 * start times, start points (within a few km of home, like everyone's) and travels. What the
 * shared caches save is what such a second user of a town costs less than the first.
 */
export const NEIGHBOUR_SEED = 'demo-neighbour';

/** A home is a place at least this share of the GPS activities start near (travel is ~12%). */
const HOME_SHARE = 0.15;

export function neighbourOf(
  athlete: { activityCount: number; years: number },
  activities: readonly SimActivity[],
): AddAthleteOptions {
  return {
    seed: NEIGHBOUR_SEED,
    activityCount: athlete.activityCount,
    years: athlete.years,
    homePlaces: homePlacesOf(activities),
  };
}

/** The places the athlete lived in, in the order they lived there. */
export function homePlacesOf(activities: readonly SimActivity[]): string[] {
  const byPlace = new Map<string, number[]>();
  for (const activity of activities) {
    if (!Array.isArray(activity.startLatLng) || activity.startLatLng.length !== 2) continue;
    const [lat, lng] = activity.startLatLng;
    const place = nearestPlace({ lat, lng });
    if (place) byPlace.set(place.name, [...(byPlace.get(place.name) ?? []), activity.startMs]);
  }
  const total = [...byPlace.values()].reduce((sum, starts) => sum + starts.length, 0);
  const homes = [...byPlace].filter(([, starts]) => starts.length >= HOME_SHARE * total);
  const median = (starts: number[]) => [...starts].sort((a, b) => a - b)[starts.length >> 1] ?? 0;
  return homes.sort(([, a], [, b]) => median(a) - median(b)).map(([name]) => name);
}
