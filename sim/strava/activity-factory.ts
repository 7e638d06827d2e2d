import { heatAdjustment } from '../../src/core/heat-adjusted-pace.ts';
import type { Place } from '../places.ts';
import { observe } from '../weather/weather-model.ts';
import { uploadIdFor } from './activity-ids.ts';
import { encodePolyline } from './polyline.ts';
import type { Random } from './random.ts';
import { planRun, type RunPlan } from './run-kinds.ts';
import { defaultActivityName, type SportProfile, sportProfile } from './sports.ts';
import { offsetSecondsAt } from './time-zones.ts';
import type { SimActivity, Visibility } from './types.ts';

/** One activity of a sport, at a place, at a time: plausible numbers from the sport's profile. */
export interface ActivitySpec {
  athleteId: number;
  sportType: string;
  startMs: number;
  /** Where it starts near; null for a game world or when the athlete has no place (edge). */
  place: Place | null;
  timeZone: string;
  /** Typed in by hand: no GPS, no device, no upload. */
  manual?: boolean;
  /** Picks a unique id for an activity that reached Strava at `createdMs`. */
  allocateId(createdMs: number): number;
}

const METERS_PER_DEGREE_LAT = 111_320;
/** Zwift's Watopia sits off the Solomon Islands; virtual activities carry its coordinates. */
const WATOPIA = { lat: -11.6365, lng: 166.9727 };
/** Metres above sea level, so elevations look like the city's. */
const ALTITUDE_M: Record<string, number> = {
  Boulder: 1655,
  'Mexico City': 2240,
  Nairobi: 1795,
  Kathmandu: 1400,
  'São Paulo': 760,
  Anchorage: 30,
};

const DEVICES = [
  ['Garmin Forerunner 265', 'garmin'],
  ['Garmin Fenix 7', 'garmin'],
  ['COROS PACE 3', 'coros'],
  ['Apple Watch Series 9', 'apple'],
  ['Polar Vantage V3', 'polar'],
] as const;

export function makeActivity(random: Random, spec: ActivitySpec): SimActivity {
  const profile = sportProfile(spec.sportType);
  const manual = spec.manual === true;
  const indoor = !manual && random.chance(profile.indoorShare);
  const virtualWorld = profile.virtual === true && !indoor;

  const localHour = localHourOf(spec.timeZone, spec.startMs);
  // A run's kind comes first, so its name, distance and pace agree; a run typed in by hand
  // keeps Strava's default name and the sport's plain numbers.
  const run =
    spec.sportType === 'Run' && !manual
      ? planRun(random, {
          localHour,
          weekday: localWeekdayOf(spec.timeZone, spec.startMs),
          place: spec.place,
          indoor,
        })
      : null;
  const { distanceM, movingTimeS, elapsedTimeS } = run
    ? runEffort(
        random,
        run,
        indoor || !spec.place ? 0 : weatherSlowdownPct(spec.place, spec.startMs),
      )
    : effort(random, profile, manual);
  const climbPerKm = run ? run.climbPerKm : random.float(...profile.climbPerKm);
  const climbM = manual ? 0 : round1((distanceM / 1000) * climbPerKm);
  const baseAltitude = virtualWorld ? 10 : (ALTITUDE_M[spec.place?.name ?? ''] ?? 20);

  const hasGps = !manual && !indoor && distanceM > 0 && (spec.place !== null || virtualWorld);
  const origin = virtualWorld ? WATOPIA : spec.place;
  const route = hasGps && origin ? makeRoute(random, origin, distanceM) : null;

  const createdMs = manual
    ? spec.startMs + random.int(1, 96) * 3_600_000
    : spec.startMs + elapsedTimeS * 1000 + random.int(2, 40) * 60_000;
  const id = spec.allocateId(createdMs);
  const hasHeartrate = !manual && random.chance(0.75);
  const averageHeartrate = hasHeartrate ? round1(random.float(118, 165)) : null;
  const device = manual
    ? null
    : virtualWorld
      ? (['Zwift', 'zwift'] as const)
      : random.pick(DEVICES);
  const visibility: Visibility = random.weighted([
    ['everyone', 85],
    ['followers_only', 8],
    ['only_me', 7],
  ]);

  return {
    id,
    athleteId: spec.athleteId,
    name: run ? run.name : defaultActivityName(spec.sportType, localHour),
    sportType: spec.sportType,
    startMs: spec.startMs,
    timeZone: spec.timeZone,
    distanceM,
    movingTimeS,
    elapsedTimeS,
    elevationGainM: climbM,
    elevHighM: manual ? null : round1(baseAltitude + climbM * random.float(0.3, 0.7) + 5),
    elevLowM: manual ? null : round1(baseAltitude - random.float(0, 12)),
    startLatLng: route ? route.start : [],
    endLatLng: route ? route.end : [],
    polyline: route ? route.polyline : '',
    trainer: indoor,
    commute: spec.sportType === 'Ride' && random.chance(0.2),
    manual,
    visibility,
    averageHeartrate,
    maxHeartrate: averageHeartrate === null ? null : round1(averageHeartrate + random.float(8, 30)),
    averageCadence: !manual && profile.cadence ? round1(random.float(...profile.cadence)) : null,
    averageTempC:
      device && device[1] === 'garmin' && route
        ? wristTemperature(random, route.start, spec.startMs)
        : null,
    uploadId: manual ? null : uploadIdFor(id, random),
    externalId: device ? externalIdFor(device[1], random) : null,
    deviceName: device ? device[0] : null,
    gearId: profile.gearPrefix ? `${profile.gearPrefix}${random.int(1_000_000, 29_999_999)}` : null,
    workoutType: run
      ? run.workoutType
      : profile.workoutTypes
        ? random.pick(profile.workoutTypes)
        : null,
    kudosCount: random.int(0, 25),
    achievementCount: random.chance(0.3) ? random.int(1, 6) : 0,
    commentCount: random.chance(0.2) ? random.int(1, 4) : 0,
    athleteCount: random.chance(0.15) ? random.int(2, 6) : 1,
    photoCount: 0,
    prCount: random.chance(0.1) ? random.int(1, 3) : 0,
    sufferScore: hasHeartrate ? Math.round((movingTimeS / 60) * random.float(0.4, 1.6)) : null,
    description: random.chance(0.1) ? 'Felt good. 👍' : null,
    calories: Math.round(distanceM > 0 ? (distanceM / 1000) * 62 : (movingTimeS / 60) * 6),
    createdMs,
    updatedMs: createdMs,
    deletedMs: null,
  };
}

function effort(random: Random, profile: SportProfile, manual: boolean) {
  if (profile.durationMin) {
    const movingTimeS = random.int(profile.durationMin[0] * 60, profile.durationMin[1] * 60);
    return { distanceM: 0, movingTimeS, elapsedTimeS: movingTimeS + random.int(0, 300) };
  }
  const distanceM = round1(random.float(...profile.distanceKm) * 1000);
  const movingTimeS = Math.max(1, Math.round(distanceM / random.float(...profile.speedMps)));
  // Manual entries have no pauses: elapsed equals moving, as Strava's form stores them.
  const pauseS = manual ? 0 : Math.round(movingTimeS * random.float(0, 0.08));
  return { distanceM, movingTimeS, elapsedTimeS: movingTimeS + pauseS };
}

function runEffort(random: Random, run: RunPlan, slowdownPct: number) {
  const speedMps = run.speedMps / (1 + slowdownPct / 100);
  const movingTimeS = Math.max(1, Math.round(run.distanceM / speedMps));
  // Races and parkruns are run without stopping; other runs pause at lights and junctions.
  const steady = run.kind === 'race' || run.kind === 'parkrun';
  const pauseS = steady ? random.int(0, 10) : Math.round(movingTimeS * random.float(0, 0.08));
  return { distanceM: run.distanceM, movingTimeS, elapsedTimeS: movingTimeS + pauseS };
}

/** Below this, each degree colder costs `COLD_SLOWDOWN_PCT_PER_C` (ice, layers, stiff legs). */
const COLD_BELOW_C = 5;
const COLD_SLOWDOWN_PCT_PER_C = 0.4;

/**
 * How much slower the weather at the start makes an outdoor run, %: warm and humid air by
 * Hadley's temperature + dew point rule (the one the dashboard's heat-adjusted pace undoes),
 * cold by the simulator's own assumption above. So the demo runner, like a real one, has a
 * temperature they run best in.
 */
function weatherSlowdownPct(place: Place, startMs: number): number {
  const air = observe(place.lat, place.lng, startMs / 1000);
  const cold = Math.max(0, COLD_BELOW_C - air.temperatureC) * COLD_SLOWDOWN_PCT_PER_C;
  return heatAdjustment(air.temperatureC, air.dewPointC).slowdownPct + cold;
}

/**
 * A Garmin's own `average_temp`: the air where the run started (the same weather model the
 * weather simulators serve), read a little warm, as a watch on a wrist does.
 */
function wristTemperature(random: Random, start: [number, number], startMs: number): number {
  return Math.round(observe(start[0], start[1], startMs / 1000).temperatureC + random.float(0, 4));
}

interface Route {
  start: [number, number];
  end: [number, number];
  polyline: string;
}

/** A rough loop (or, sometimes, a point-to-point) starting within a few km of `origin`. */
function makeRoute(random: Random, origin: { lat: number; lng: number }, distanceM: number): Route {
  const start = scatter(random, origin, random.float(0.2, 4) * 1000);
  const radiusM = Math.min(distanceM / (2 * Math.PI), 15_000);
  const heading = random.float(0, 2 * Math.PI);
  const center = offset({ lat: start[0], lng: start[1] }, radiusM, heading);
  const loop = random.chance(0.8);
  const count = 14;
  const points: [number, number][] = [];
  for (let i = 0; i <= count; i++) {
    const sweep = (loop ? 2 * Math.PI : Math.PI) * (i / count);
    const wobble = radiusM * random.float(-0.08, 0.08);
    points.push(
      offset({ lat: center[0], lng: center[1] }, radiusM + wobble, heading + Math.PI + sweep),
    );
  }
  points[0] = start;
  const end = points.at(-1) as [number, number];
  return { start, end, polyline: encodePolyline(points) };
}

/** A point uniformly spread over a disc of `maxMeters` around `origin`. */
export function scatter(
  random: Random,
  origin: { lat: number; lng: number },
  maxMeters: number,
): [number, number] {
  return offset(origin, Math.sqrt(random.next()) * maxMeters, random.float(0, 2 * Math.PI));
}

function offset(origin: { lat: number; lng: number }, meters: number, bearing: number) {
  const dLat = (meters * Math.cos(bearing)) / METERS_PER_DEGREE_LAT;
  const dLng =
    (meters * Math.sin(bearing)) / (METERS_PER_DEGREE_LAT * Math.cos((origin.lat * Math.PI) / 180));
  // Six decimals, as Strava gives coordinates (40.75533,-74.002571).
  return [round6(origin.lat + dLat), round6(origin.lng + dLng)] as [number, number];
}

function externalIdFor(kind: string, random: Random): string {
  if (kind === 'garmin')
    return `garmin_ping_${random.int(100_000_000, 999_999_999)}${random.int(100, 999)}`;
  if (kind === 'zwift') return `zwift-activity-${random.int(1e9, 9e9)}.fit`;
  const hex = Array.from({ length: 32 }, () => random.int(0, 15).toString(16)).join('');
  return `${hex.toUpperCase()}.fit`;
}

export function localHourOf(timeZone: string, epochMs: number): number {
  return new Date(epochMs + offsetSecondsAt(timeZone, epochMs) * 1000).getUTCHours();
}

/** 0 Sunday … 6 Saturday, on the local calendar. */
function localWeekdayOf(timeZone: string, epochMs: number): number {
  return new Date(epochMs + offsetSecondsAt(timeZone, epochMs) * 1000).getUTCDay();
}

const round1 = (value: number) => Math.round(value * 10) / 10;
const round6 = (value: number) => Math.round(value * 1e6) / 1e6;
