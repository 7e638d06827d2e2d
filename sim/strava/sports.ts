/**
 * How each simulated sport type behaves: plausible distances, speeds and climbing, whether it
 * has GPS, and the name Strava gives it by default. Numbers are ranges a recreational athlete
 * covers, not records; the edge-case generator adds the implausible ones on purpose.
 */
export interface SportProfile {
  /** Strava's deprecated `type` for this `sport_type` (TrailRun → Run, and so on). */
  legacyType: string;
  /** The noun in Strava's default names ("Morning Run", "Lunch Weight Training"). */
  noun: string;
  distanceKm: readonly [number, number];
  speedMps: readonly [number, number];
  /** Minutes, for activities without distance (gym, yoga). */
  durationMin?: readonly [number, number];
  climbPerKm: readonly [number, number];
  /** Share done indoors: no GPS, `trainer: true` (treadmill, pool, turbo trainer). */
  indoorShare: number;
  /** Done in a game world (Zwift): coordinates that are no real place. */
  virtual?: boolean;
  /** Half-cadence as Strava reports it for runs (steps per minute / 2), rpm for rides. */
  cadence?: readonly [number, number];
  /** 'g' shoes, 'b' bikes, as Strava prefixes gear ids. */
  gearPrefix?: 'g' | 'b';
  workoutTypes?: readonly number[];
}

export const SPORTS = {
  Run: {
    legacyType: 'Run',
    noun: 'Run',
    distanceKm: [3, 21],
    speedMps: [2.5, 4.2],
    climbPerKm: [2, 14],
    indoorShare: 0.05,
    cadence: [78, 92],
    gearPrefix: 'g',
    // Races, long runs and workouts come from run-kinds.ts; a run typed in by hand is plain.
    workoutTypes: [0],
  },
  TrailRun: {
    legacyType: 'Run',
    noun: 'Trail Run',
    distanceKm: [5, 30],
    speedMps: [1.8, 3.2],
    climbPerKm: [20, 80],
    indoorShare: 0,
    cadence: [74, 88],
    gearPrefix: 'g',
    workoutTypes: [0, 0, 2],
  },
  VirtualRun: {
    legacyType: 'VirtualRun',
    noun: 'Virtual Run',
    distanceKm: [3, 15],
    speedMps: [2.6, 4],
    climbPerKm: [0, 6],
    indoorShare: 0.5,
    virtual: true,
    cadence: [80, 92],
    gearPrefix: 'g',
  },
  Ride: {
    legacyType: 'Ride',
    noun: 'Ride',
    distanceKm: [15, 110],
    speedMps: [5.5, 9],
    climbPerKm: [3, 15],
    indoorShare: 0.05,
    cadence: [75, 95],
    gearPrefix: 'b',
    workoutTypes: [10, 10, 10, 11, 12],
  },
  VirtualRide: {
    legacyType: 'VirtualRide',
    noun: 'Virtual Ride',
    distanceKm: [15, 60],
    speedMps: [7, 10],
    climbPerKm: [3, 12],
    indoorShare: 0,
    virtual: true,
    cadence: [80, 95],
    gearPrefix: 'b',
  },
  Swim: {
    legacyType: 'Swim',
    noun: 'Swim',
    distanceKm: [0.8, 4],
    speedMps: [0.6, 1],
    climbPerKm: [0, 0],
    indoorShare: 0.75,
  },
  Walk: {
    legacyType: 'Walk',
    noun: 'Walk',
    distanceKm: [1.5, 8],
    speedMps: [1.1, 1.6],
    climbPerKm: [2, 10],
    indoorShare: 0,
  },
  Hike: {
    legacyType: 'Hike',
    noun: 'Hike',
    distanceKm: [5, 20],
    speedMps: [0.8, 1.4],
    climbPerKm: [40, 120],
    indoorShare: 0,
    gearPrefix: 'g',
  },
  WeightTraining: {
    legacyType: 'WeightTraining',
    noun: 'Weight Training',
    distanceKm: [0, 0],
    speedMps: [0, 0],
    durationMin: [30, 75],
    climbPerKm: [0, 0],
    indoorShare: 1,
  },
  Yoga: {
    legacyType: 'Yoga',
    noun: 'Yoga',
    distanceKm: [0, 0],
    speedMps: [0, 0],
    durationMin: [20, 60],
    climbPerKm: [0, 0],
    indoorShare: 1,
  },
} as const satisfies Record<string, SportProfile>;

export type SimSportType = keyof typeof SPORTS;

/** The default mix: mostly a runner, with the cross-training a runner's history really has. */
export const DEFAULT_SPORT_WEIGHTS: Readonly<Record<SimSportType, number>> = {
  Run: 50,
  TrailRun: 8,
  VirtualRun: 4,
  Ride: 12,
  VirtualRide: 2,
  Swim: 5,
  Walk: 9,
  Hike: 4,
  WeightTraining: 4,
  Yoga: 2,
};

export function sportProfile(sportType: string): SportProfile {
  return (SPORTS as Record<string, SportProfile>)[sportType] ?? SPORTS.Run;
}

/** Strava's deprecated `type` for a sport type it may not know (MountainBikeRide → Ride). */
export function legacyTypeOf(sportType: string): string {
  const known = (SPORTS as Record<string, SportProfile>)[sportType];
  if (known) return known.legacyType;
  if (sportType.endsWith('Ride')) return sportType.startsWith('Virtual') ? 'VirtualRide' : 'Ride';
  if (sportType.endsWith('Run')) return sportType.startsWith('Virtual') ? 'VirtualRun' : 'Run';
  return sportType;
}

/** Strava's default name from the local start hour: "Morning Run", "Lunch Ride", … */
export function defaultActivityName(sportType: string, localHour: number): string {
  const part =
    localHour < 4
      ? 'Night'
      : localHour < 11
        ? 'Morning'
        : localHour < 14
          ? 'Lunch'
          : localHour < 17
            ? 'Afternoon'
            : localHour < 21
              ? 'Evening'
              : 'Night';
  return `${part} ${sportProfile(sportType).noun}`;
}
