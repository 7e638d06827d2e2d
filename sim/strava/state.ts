import type { SimActivity, SimApp, SimAthlete } from './types.ts';

/**
 * The simulated world: registered applications, athletes and their activities. Plain maps,
 * mutated in place by the generator, the mutations and the routes; `reset()` builds a new one.
 */
export interface World {
  apps: Map<string, SimApp>;
  athletes: Map<number, SimAthlete>;
  /** Every activity ever created, deleted ones included (flagged by `deletedMs`). */
  activities: Map<number, SimActivity>;
  /** Per athlete, sorted by (start, id) ascending; deleted ones stay until listed out. */
  timelines: Map<number, SimActivity[]>;
}

export function createWorld(): World {
  return { apps: new Map(), athletes: new Map(), activities: new Map(), timelines: new Map() };
}

export function addAthlete(world: World, athlete: SimAthlete, activities: SimActivity[]): void {
  if (world.athletes.has(athlete.id)) throw new Error(`athlete ${athlete.id} already exists`);
  world.athletes.set(athlete.id, athlete);
  world.timelines.set(athlete.id, []);
  for (const activity of activities) insertActivity(world, activity);
}

export function insertActivity(world: World, activity: SimActivity): void {
  if (world.activities.has(activity.id)) throw new Error(`activity ${activity.id} already exists`);
  const timeline = world.timelines.get(activity.athleteId);
  if (!timeline) throw new Error(`no athlete ${activity.athleteId}`);
  world.activities.set(activity.id, activity);
  timeline.splice(insertionIndex(timeline, activity), 0, activity);
}

/** Re-sorts one activity after its start time changed. */
export function repositionActivity(world: World, activity: SimActivity): void {
  const timeline = world.timelines.get(activity.athleteId);
  if (!timeline) return;
  timeline.splice(timeline.indexOf(activity), 1);
  timeline.splice(insertionIndex(timeline, activity), 0, activity);
}

/** The athlete's activities that still exist, oldest first. */
export function liveActivities(world: World, athleteId: number): SimActivity[] {
  return (world.timelines.get(athleteId) ?? []).filter((activity) => activity.deletedMs === null);
}

export function findLiveActivity(world: World, id: number): SimActivity | undefined {
  const activity = world.activities.get(id);
  return activity && activity.deletedMs === null ? activity : undefined;
}

function insertionIndex(timeline: SimActivity[], activity: SimActivity): number {
  let low = 0;
  let high = timeline.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const other = timeline[middle] as SimActivity;
    if (
      other.startMs < activity.startMs ||
      (other.startMs === activity.startMs && other.id < activity.id)
    ) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}
