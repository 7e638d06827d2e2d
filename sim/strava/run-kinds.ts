import type { Place } from '../places.ts';
import type { Random } from './random.ts';
import { defaultActivityName } from './sports.ts';

/**
 * What kind of run a simulated Run is, decided before its numbers, so its name, distance, pace
 * and workout type tell one story: a parkrun is 5 km on a Saturday morning, a long run is long,
 * a race is a race distance at a race pace, a treadmill run is indoors. Strava's `workout_type`
 * for runs: 0 default, 1 race, 2 long run, 3 workout.
 */
export type RunKind =
  | 'easy'
  | 'recovery'
  | 'long'
  | 'parkrun'
  | 'race'
  | 'intervals'
  | 'tempo'
  | 'hills'
  | 'marathon-pace'
  | 'treadmill';

export interface RunPlan {
  kind: RunKind;
  name: string;
  distanceM: number;
  speedMps: number;
  climbPerKm: number;
  workoutType: number;
}

/** When and where a run starts, in its own local time. */
export interface RunMoment {
  localHour: number;
  /** 0 Sunday … 6 Saturday. */
  weekday: number;
  place: Place | null;
  indoor: boolean;
}

interface KindProfile {
  distanceKm: readonly [number, number];
  speedMps: readonly [number, number];
  climbPerKm: readonly [number, number];
  workoutType: number;
}

const PROFILES: Record<Exclude<RunKind, 'race'>, KindProfile> = {
  easy: { distanceKm: [5, 13], speedMps: [2.6, 3.5], climbPerKm: [2, 14], workoutType: 0 },
  recovery: { distanceKm: [3, 6.5], speedMps: [2.3, 2.8], climbPerKm: [2, 8], workoutType: 0 },
  long: { distanceKm: [16, 32], speedMps: [2.6, 3.3], climbPerKm: [3, 14], workoutType: 2 },
  parkrun: { distanceKm: [4.98, 5.1], speedMps: [3, 4.2], climbPerKm: [2, 10], workoutType: 0 },
  intervals: { distanceKm: [7, 11], speedMps: [3, 3.8], climbPerKm: [1, 6], workoutType: 3 },
  tempo: { distanceKm: [8, 14], speedMps: [3.2, 4], climbPerKm: [2, 8], workoutType: 3 },
  hills: { distanceKm: [6, 10], speedMps: [2.5, 3.2], climbPerKm: [25, 45], workoutType: 3 },
  'marathon-pace': {
    distanceKm: [14, 24],
    speedMps: [3.1, 3.9],
    climbPerKm: [2, 8],
    workoutType: 3,
  },
  treadmill: { distanceKm: [4, 12], speedMps: [2.7, 3.8], climbPerKm: [0, 0], workoutType: 0 },
};

/** Race distances in metres; a GPS watch measures a course a little long. */
const RACES = [
  ['5K', 5_000],
  ['10K', 10_000],
  ['Half Marathon', 21_097.5],
  ['Marathon', 42_195],
] as const;

/** Only ever given to runs that start in the morning: each says "morning run". */
const MORNING_NAMES = ['Bieg poranny', 'Course à pied matinale', '朝ラン', 'Carrera de la mañana'];
const EASY_NAMES = ['Canal loop', 'Easy miles 🐢'];

export function planRun(random: Random, at: RunMoment): RunPlan {
  const kind = chooseKind(random, at);
  if (kind === 'race') return planRace(random, at);
  const profile = PROFILES[kind];
  return {
    kind,
    name: nameOf(random, kind, at),
    distanceM: round1(random.float(...profile.distanceKm) * 1000),
    speedMps: random.float(...profile.speedMps),
    climbPerKm: random.float(...profile.climbPerKm),
    workoutType: profile.workoutType,
  };
}

function chooseKind(random: Random, at: RunMoment): RunKind {
  if (at.indoor) return 'treadmill';
  const saturdayMorning = at.weekday === 6 && at.localHour >= 7 && at.localHour < 10;
  if (saturdayMorning && random.chance(0.6)) return 'parkrun';
  return random.weighted<RunKind>([
    ['easy', 52],
    ['recovery', 10],
    ['long', 13],
    ['intervals', 6],
    ['tempo', 6],
    ['hills', 4],
    ['marathon-pace', 5],
    ['race', 4],
  ]);
}

function planRace(random: Random, at: RunMoment): RunPlan {
  const [label, meters] = random.weighted<(typeof RACES)[number]>([
    [RACES[0], 4],
    [RACES[1], 4],
    [RACES[2], 3],
    [RACES[3], 1],
  ]);
  const marathon = meters > 40_000;
  return {
    kind: 'race',
    name: at.place ? `${at.place.name} ${label}` : `${label} race`,
    distanceM: round1(meters * random.float(1, 1.015)),
    speedMps: random.float(marathon ? 2.9 : 3.2, marathon ? 3.8 : 4.4),
    climbPerKm: random.float(1, 8),
    workoutType: 1,
  };
}

function nameOf(random: Random, kind: Exclude<RunKind, 'race'>, at: RunMoment): string {
  switch (kind) {
    case 'parkrun':
      return 'Parkrun 🌳';
    case 'recovery':
      return 'Recovery jog';
    case 'long':
      return random.chance(0.3) ? 'Long run with Zoë' : 'Long run';
    case 'intervals':
      return 'Intervals 6×800 m';
    case 'tempo':
      return at.weekday === 2 ? 'Tempo Tuesday' : 'Tempo run';
    case 'hills':
      return 'Hill repeats ⛰️';
    case 'marathon-pace':
      return 'Marathon pace';
    case 'treadmill':
      return 'Treadmill run';
    case 'easy': {
      if (!random.chance(0.25)) return defaultActivityName('Run', at.localHour);
      const morning = at.localHour >= 4 && at.localHour < 11;
      return random.pick(morning ? [...MORNING_NAMES, ...EASY_NAMES] : EASY_NAMES);
    }
  }
}

const round1 = (value: number) => Math.round(value * 10) / 10;
