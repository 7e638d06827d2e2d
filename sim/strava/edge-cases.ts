import { localHourOf } from './activity-factory.ts';
import type { Random } from './random.ts';
import { defaultActivityName } from './sports.ts';
import type { SimActivity } from './types.ts';

/**
 * The awkward records a real history holds, planted at fixed slots through the generated
 * timeline so every athlete with enough activities has each of them once. A sync must store
 * or flag them and go on; none may stop it.
 */
export const EDGE_CASES = [
  /** Older API style: no GPS as `null` (not `[]`), on an outdoor run. */
  'null-latlng',
  /** A treadmill run: `trainer: true`, `[]` coordinates, empty polyline. */
  'treadmill',
  /** GPS failed: coordinates present, distance 0. */
  'zero-distance',
  /** A half marathon in 30 minutes (11.7 m/s). */
  'impossible-pace',
  /** Emoji, combining marks, CJK. */
  'unicode-name',
  /** 300 code points, past the 255 UIs truncate at. */
  'long-name',
  /** Two runs with the same start second (a watch and a phone both uploaded). */
  'identical-start',
  /** An `upload_id` beyond 2^53, written with all its digits like the swagger example. */
  'huge-upload-id',
  /** Typed in by hand: `manual: true`, no GPS, no upload. */
  'manual-entry',
  /** `[0, 0]`: what some devices write when they had no fix. */
  'zero-zero-latlng',
  /** Elapsed shorter than moving: impossible, but it happens after edits. */
  'elapsed-below-moving',
  /** An early run in Auckland: its local date is the day after its UTC date. */
  'date-line-morning',
] as const;
export type EdgeCase = (typeof EDGE_CASES)[number];

/** What the generator must do differently when it creates the activity at an edge slot. */
export interface EdgeSlot {
  kind: EdgeCase;
  sportType: 'Run';
  manual?: boolean;
  placeName?: string;
  /** Local minutes after midnight to start at. */
  localMinutes?: number;
}

/** Slot index → edge case, spread evenly through a timeline of `count` activities. */
export function planEdgeCases(count: number): Map<number, EdgeSlot> {
  const slots = new Map<number, EdgeSlot>();
  // Each case needs its own slot, and 'identical-start' the one after it too.
  if (count < EDGE_CASES.length * 2 + 1) return slots;
  EDGE_CASES.forEach((kind, k) => {
    const index = Math.floor(((k + 0.5) * count) / EDGE_CASES.length);
    slots.set(index, {
      kind,
      sportType: 'Run',
      ...(kind === 'manual-entry' ? { manual: true } : {}),
      ...(kind === 'date-line-morning' ? { placeName: 'Auckland', localMinutes: 5 * 60 + 40 } : {}),
    });
  });
  return slots;
}

/** Exactly 300 code points (Postgres `char_length`, not UTF-16 units). */
const LONG_NAME = [...`Ultra ${'🏃‍♀️ long way round, '.repeat(20)}`].slice(0, 300).join('');

/**
 * Turns a freshly generated run into the edge case. `next` is the activity after it in the
 * timeline (for 'identical-start'), already generated.
 */
export function applyEdgeCase(
  kind: EdgeCase,
  activity: SimActivity,
  next: SimActivity | undefined,
  random: Random,
): void {
  switch (kind) {
    case 'null-latlng':
      Object.assign(activity, { startLatLng: null, endLatLng: null, polyline: null });
      break;
    case 'treadmill':
      Object.assign(activity, {
        name: 'Treadmill run',
        trainer: true,
        startLatLng: [],
        endLatLng: [],
        polyline: '',
      });
      break;
    // The watch's numbers are wrong, not the runner's intent: Strava's plain name, no kind.
    case 'zero-distance':
      Object.assign(activity, { ...plainRun(activity), distanceM: 0, elevationGainM: 0 });
      break;
    case 'impossible-pace':
      Object.assign(activity, {
        ...plainRun(activity),
        distanceM: 21_097.5,
        movingTimeS: 1800,
        elapsedTimeS: 1805,
      });
      break;
    case 'unicode-name':
      activity.name = 'Lauf 🏃‍♂️ im Schnee — ñandú, Zoë & 東京 café';
      break;
    case 'long-name':
      activity.name = LONG_NAME;
      break;
    case 'identical-start':
      // The same run recorded twice: the phone's copy has the watch's name and numbers.
      if (next) {
        Object.assign(next, {
          name: activity.name,
          startMs: activity.startMs,
          timeZone: activity.timeZone,
          startLatLng: activity.startLatLng,
          endLatLng: activity.endLatLng,
          polyline: activity.polyline,
          sportType: 'Run',
          distanceM: activity.distanceM,
          movingTimeS: activity.movingTimeS,
          elapsedTimeS: activity.elapsedTimeS,
          trainer: activity.trainer,
          workoutType: activity.workoutType,
          deviceName: 'Strava iPhone App',
        });
      }
      break;
    case 'huge-upload-id':
      activity.uploadId = `9${Array.from({ length: 20 }, () => random.int(0, 9)).join('')}`;
      break;
    case 'manual-entry':
      Object.assign(activity, { manual: true, trainer: true, name: 'Treadmill at the hotel gym' });
      break;
    case 'zero-zero-latlng':
      Object.assign(activity, { startLatLng: [0, 0], endLatLng: [0, 0] });
      break;
    case 'elapsed-below-moving':
      activity.elapsedTimeS = Math.max(1, activity.movingTimeS - 120);
      break;
    case 'date-line-morning':
      break; // placed and timed by its slot
  }
}

function plainRun(activity: SimActivity) {
  return {
    name: defaultActivityName('Run', localHourOf(activity.timeZone, activity.startMs)),
    workoutType: 0,
  };
}
