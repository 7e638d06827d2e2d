import type { Place } from '../places.ts';
import type { Random } from './random.ts';

/**
 * Where an athlete is, day by day: a run of stays (at a home, or on a trip), each contiguous,
 * with the journey between two stays left empty. An athlete is in one place at a time, so no
 * two of their activities start on different continents within a day: runs are drawn only
 * inside stays, a start moves by less than a day from its drawn instant (it keeps the
 * instant's local date), and every journey lasts at least `MIN_JOURNEY_MS`, so the last run
 * before a journey and the first after it are at least a day and a half apart.
 */
export interface Stay {
  place: Place;
  fromMs: number;
  untilMs: number;
}

/** A place the athlete must be at around a moment (the edge case's early run in Auckland). */
export interface Visit {
  place: Place;
  atMs: number;
}

const DAY_MS = 86_400_000;
const MIN_JOURNEY_MS = 3.5 * DAY_MS;
const MAX_JOURNEY_MS = 5 * DAY_MS;
/** Days at home between two trips, and a trip's length: about 11% of the time away. */
const DAYS_BETWEEN_TRIPS = [25, 110] as const;
const TRIP_DAYS = [5, 15] as const;
const VISIT_DAYS = 8;

interface Trip {
  place: Place;
  fromMs: number;
  untilMs: number;
}

/**
 * Homes take equal shares of [fromMs, untilMs], in order (a move is a journey too); trips to
 * `destinations` are spread through each home's share; each `visit` is a trip of its own
 * unless the athlete lives there at the time. Oldest first.
 */
export function planStays(
  random: Random,
  plan: { homes: Place[]; destinations: Place[]; fromMs: number; untilMs: number; visits: Visit[] },
): Stay[] {
  const { homes, destinations, fromMs, untilMs } = plan;
  const share = (untilMs - fromMs) / homes.length;
  const stays: Stay[] = [];
  homes.forEach((home, index) => {
    const segmentFrom = fromMs + index * share;
    const segmentUntil = index === homes.length - 1 ? untilMs : segmentFrom + share;
    const start = index === 0 ? segmentFrom : segmentFrom + journey(random);
    const forced = plan.visits
      .filter((v) => v.place !== home && v.atMs >= segmentFrom && v.atMs < segmentUntil)
      .map((v) => ({
        place: v.place,
        fromMs: v.atMs - (VISIT_DAYS / 2) * DAY_MS,
        untilMs: v.atMs + (VISIT_DAYS / 2) * DAY_MS,
      }));
    // A trip needs a journey's room from the segment's ends; a visit too short a history
    // cannot hold is left out (the generator then has no run there).
    const fits = (trip: Trip) =>
      trip.fromMs > start + MAX_JOURNEY_MS && trip.untilMs < segmentUntil - MAX_JOURNEY_MS - DAY_MS;
    const visits = forced.filter(fits);
    const trips = [
      ...drawTrips(random, destinations, start, segmentUntil - 7 * DAY_MS).filter(
        (trip) => fits(trip) && !visits.some((visit) => tooClose(trip, visit)),
      ),
      ...visits,
    ].sort((a, b) => a.fromMs - b.fromMs);
    let cursor = start;
    for (const trip of trips) {
      stays.push({ place: home, fromMs: cursor, untilMs: trip.fromMs - journey(random) });
      stays.push(trip);
      cursor = trip.untilMs + journey(random);
    }
    stays.push({ place: home, fromMs: cursor, untilMs: segmentUntil });
  });
  return stays;
}

function drawTrips(random: Random, destinations: Place[], fromMs: number, untilMs: number): Trip[] {
  const trips: Trip[] = [];
  let cursor = fromMs;
  for (;;) {
    const tripFrom = cursor + random.float(...DAYS_BETWEEN_TRIPS) * DAY_MS;
    const tripUntil = tripFrom + random.float(...TRIP_DAYS) * DAY_MS;
    if (tripUntil >= untilMs) return trips;
    trips.push({ place: random.pick(destinations), fromMs: tripFrom, untilMs: tripUntil });
    cursor = tripUntil;
  }
}

/** A journey, and the quiet days either side of it. */
function journey(random: Random): number {
  return random.float(MIN_JOURNEY_MS, MAX_JOURNEY_MS);
}

/** Overlapping, or too close to leave a journey either side. */
function tooClose(a: Trip, b: Trip): boolean {
  return a.fromMs < b.untilMs + 2 * MAX_JOURNEY_MS && b.fromMs < a.untilMs + 2 * MAX_JOURNEY_MS;
}

/** Maps a point of the stays' summed time (0 ≤ offset < total) to the instant and its stay. */
export function stayTime(stays: Stay[], offsetMs: number): { instant: number; stay: Stay } {
  let rest = offsetMs;
  for (const stay of stays) {
    const length = stay.untilMs - stay.fromMs;
    if (rest < length) return { instant: stay.fromMs + rest, stay };
    rest -= length;
  }
  const last = stays.at(-1) as Stay;
  return { instant: last.untilMs, stay: last };
}

export function totalStayMs(stays: Stay[]): number {
  return stays.reduce((sum, stay) => sum + (stay.untilMs - stay.fromMs), 0);
}
