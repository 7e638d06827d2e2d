import { PLACES, type Place } from '../places.ts';
import { makeActivity } from './activity-factory.ts';
import { activityIdAt } from './activity-ids.ts';
import { applyEdgeCase, type EdgeSlot, planEdgeCases } from './edge-cases.ts';
import { createRandom, type Random } from './random.ts';
import { DEFAULT_SPORT_WEIGHTS, type SimSportType } from './sports.ts';
import { localToUtcMs, offsetSecondsAt } from './time-zones.ts';
import { planStays, type Stay, stayTime, totalStayMs } from './travel-plan.ts';
import type { SimActivity, SimAthlete } from './types.ts';

/**
 * A deterministic athlete from a seed: same seed and options, same athlete, same activities,
 * same ids, on any machine. They live in one to three home cities over the years (moves
 * happen), travel to a handful of places in both hemispheres, and start their activities
 * within a few km of a place in sim/places.ts, so the geocoding simulators resolve them to it.
 */
export interface GenerateAthleteOptions {
  seed: string | number;
  /** Default 200. */
  activityCount?: number;
  /** Years of history ending at `until`. Default 3. */
  years?: number;
  /** End of the history (ms, ISO text or Date). Default: the simulator clock's now. */
  until?: number | string | Date;
  /** Default: drawn from the seed (7–9 digits, like Strava's). */
  athleteId?: number;
  /** Names from sim/places.ts, in the order the athlete lived there. Default: drawn. */
  homePlaces?: string[];
  /** Relative weights of sport types. Default: mostly runs, with cross-training. */
  sportWeights?: Partial<Record<SimSportType, number>>;
  /** Plant the awkward records of edge-cases.ts (default true; needs ≥ 25 activities). */
  edgeCases?: boolean;
  firstname?: string;
  lastname?: string;
}

export interface GeneratedAthlete {
  athlete: SimAthlete;
  /** Oldest first. */
  activities: SimActivity[];
}

const DAY_MS = 86_400_000;
const FIRST_NAMES = [
  'Ana',
  'Zoë',
  'Łukasz',
  'Søren',
  'Aiko',
  'Mateo',
  'Priya',
  'Olusegun',
  'Chloé',
  'Jürgen',
  'Mei',
  'Tomás',
  'Ingrid',
  'Kwame',
  'Siobhán',
  'Rafael',
];
const LAST_NAMES = [
  'García',
  'Nowak',
  'Müller',
  'Tanaka',
  'Okafor',
  'Dubois',
  'Silva',
  "O'Brien",
  'Lindqvist',
  'Patel',
  'Nguyen',
  'Haddad',
  'Smith',
  'Kowalczyk',
];

export function generateAthlete(
  options: GenerateAthleteOptions,
  context: { nowMs: number; isActivityIdTaken(id: number): boolean },
): GeneratedAthlete {
  const seed = String(options.seed);
  const random = createRandom(`strava-athlete:${seed}`);
  const untilMs = options.until === undefined ? context.nowMs : new Date(options.until).getTime();
  if (!Number.isFinite(untilMs)) throw new Error(`until is not a time: ${String(options.until)}`);
  const years = options.years ?? 3;
  const count = options.activityCount ?? 200;
  const fromMs = untilMs - years * 365.25 * DAY_MS;

  const homes = chooseHomes(random.fork('homes'), options.homePlaces);
  const destinations = chooseDestinations(random.fork('travel'), homes);
  const athlete = makeProfile(random.fork('profile'), seed, options, homes, fromMs);

  const slots = options.edgeCases === false ? new Map<number, EdgeSlot>() : planEdgeCases(count);
  const stays = planStays(random.fork('trips'), {
    homes,
    destinations,
    fromMs,
    untilMs: untilMs - 3 * 3_600_000,
    visits: visitsFor(slots, count, fromMs, untilMs),
  });
  const timeline = random.fork('timeline');
  const available = totalStayMs(stays);
  const starts = Array.from({ length: count }, () =>
    stayTime(stays, timeline.float(0, available)),
  ).sort((a, b) => a.instant - b.instant);
  const weights = Object.entries({ ...DEFAULT_SPORT_WEIGHTS, ...options.sportWeights }).filter(
    ([, weight]) => weight > 0,
  );
  const taken = new Set<number>();
  const allocateId = (createdMs: number): number => {
    let id = activityIdAt(createdMs, timeline);
    while (taken.has(id) || context.isActivityIdTaken(id)) id++;
    taken.add(id);
    return id;
  };

  const activities = starts.map((start, index) => {
    const slot = slots.get(index);
    const { instant, place } = slot?.placeName
      ? visitTime(stays, slot.placeName, start)
      : { instant: start.instant, place: start.stay.place };
    const sportType = slot?.sportType ?? timeline.weighted(weights);
    const localMinutes = slot?.localMinutes ?? startMinutes(timeline);
    let startMs = atLocalTime(place.timezone, instant, localMinutes);
    // Never in the future: a history ends with activities already finished at `until`.
    if (startMs > untilMs - 3 * 3_600_000) startMs -= DAY_MS;
    return makeActivity(timeline, {
      athleteId: athlete.id,
      sportType,
      startMs,
      place,
      timeZone: place.timezone,
      manual: slot?.manual ?? timeline.chance(0.03),
      allocateId,
    });
  });
  for (const [index, slot] of slots) {
    const activity = activities[index];
    if (activity) applyEdgeCase(slot.kind, activity, activities[index + 1], timeline);
  }
  activities.sort((a, b) => a.startMs - b.startMs || a.id - b.id);
  return { athlete, activities };
}

/** Where edge slots must be (the early run in Auckland): about when their slot falls. */
function visitsFor(slots: Map<number, EdgeSlot>, count: number, fromMs: number, untilMs: number) {
  return [...slots]
    .filter(([, slot]) => slot.placeName !== undefined)
    .map(([index, slot]) => ({
      place: placeNamed(slot.placeName as string),
      atMs: fromMs + ((index + 0.5) / count) * (untilMs - fromMs),
    }));
}

/**
 * The slot's instant moved into the stay at `placeName` nearest to it, a day inside its ends
 * so the start keeps to the stay; where a short history had no room for the visit, the run
 * stays where the athlete is.
 */
function visitTime(stays: Stay[], placeName: string, start: { instant: number; stay: Stay }) {
  const there = stays.filter((stay) => stay.place.name === placeName);
  const distance = (stay: Stay) =>
    Math.max(0, stay.fromMs - start.instant, start.instant - stay.untilMs);
  const stay = there.sort((a, b) => distance(a) - distance(b))[0];
  if (!stay) return { instant: start.instant, place: start.stay.place };
  const instant = Math.min(Math.max(start.instant, stay.fromMs + DAY_MS), stay.untilMs - DAY_MS);
  return { instant, place: stay.place };
}

function chooseHomes(random: Random, names: string[] | undefined): Place[] {
  if (names && names.length > 0) return names.map(placeNamed);
  const count = random.weighted([
    [1, 3],
    [2, 5],
    [3, 2],
  ] as const);
  const homes: Place[] = [];
  while (homes.length < count) {
    const place = random.pick(PLACES);
    if (!homes.includes(place)) homes.push(place);
  }
  return homes;
}

/** Four to six places away from home, at least one in each hemisphere. */
function chooseDestinations(random: Random, homes: Place[]): Place[] {
  const away = PLACES.filter((place) => !homes.includes(place));
  const picked: Place[] = [];
  const wanted = random.int(4, 6);
  while (picked.length < wanted) {
    const place = random.pick(away);
    if (!picked.includes(place)) picked.push(place);
  }
  for (const south of [true, false]) {
    if (!picked.some((place) => place.lat < 0 === south)) {
      const candidates = away.filter((place) => place.lat < 0 === south && !picked.includes(place));
      picked[0] = random.pick(candidates);
    }
  }
  return picked;
}

function makeProfile(
  random: Random,
  seed: string,
  options: GenerateAthleteOptions,
  homes: Place[],
  fromMs: number,
): SimAthlete {
  // Drawn even when given, so an explicit id leaves the rest of the profile unchanged.
  const drawnId = random.int(1_000_000, 150_000_000);
  const id = options.athleteId ?? drawnId;
  const firstname = options.firstname ?? random.pick(FIRST_NAMES);
  const lastname = options.lastname ?? random.pick(LAST_NAMES);
  const home = homes.at(-1) as Place;
  const createdMs = fromMs - random.int(1, 400) * DAY_MS;
  const ascii = (text: string) =>
    text
      .normalize('NFD')
      .replace(/[^A-Za-z]/g, '')
      .toLowerCase();
  return {
    id,
    seed,
    // Strava lets athletes have no username; a few do not.
    username: random.chance(0.85)
      ? `${ascii(firstname)}${ascii(lastname)}${random.int(1, 99)}`
      : null,
    firstname,
    lastname,
    city: home.name,
    state: home.state,
    country: home.country,
    sex: random.weighted([
      ['M', 45],
      ['F', 45],
      [null, 10],
    ] as const),
    premium: random.chance(0.4),
    createdMs,
    updatedMs: createdMs + random.int(1, 300) * DAY_MS,
    weightKg: Math.round(random.float(50, 90) * 10) / 10,
    homePlaces: homes.map((place) => place.name),
  };
}

/** Runners go out early, at lunch or after work. */
function startMinutes(random: Random): number {
  const window = random.weighted([
    [[5 * 60 + 45, 8 * 60 + 30], 45],
    [[11 * 60 + 45, 13 * 60 + 15], 15],
    [[17 * 60, 19 * 60 + 45], 35],
    [[0, 24 * 60 - 1], 5],
  ] as const);
  return random.int(window[0], window[1]);
}

/** The instant on `instant`'s local date in `timeZone` when the wall clock shows `minutes`. */
function atLocalTime(timeZone: string, instant: number, minutes: number): number {
  const local = new Date(instant + offsetSecondsAt(timeZone, instant) * 1000);
  const midnight = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
  const seconds = Math.floor((instant / 1000) % 60);
  return localToUtcMs(timeZone, midnight + minutes * 60_000 + seconds * 1000);
}

export function placeNamed(name: string): Place {
  const place = PLACES.find((candidate) => candidate.name === name);
  if (!place) {
    throw new Error(
      `no place named '${name}' in sim/places.ts; known: ${PLACES.map((p) => p.name).join(', ')}`,
    );
  }
  return place;
}
