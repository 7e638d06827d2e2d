import { RateLimitedError } from '../src/core/errors.ts';
import { type EnrichmentDeps, enrichPending } from '../src/enrichment/enrich-pending.ts';
import type { EnrichmentCounts } from '../src/enrichment/enrichment-pass.ts';
import { utcDay } from '../src/enrichment/grid-cell.ts';
import type { Database } from '../src/store/database.ts';
import type { BenchWorld } from './bench-world.ts';
import {
  addCalls,
  callsBetween,
  NO_CALLS,
  openMeteoUnitsToday,
  type SimulatorCalls,
  simulatorCalls,
} from './simulator-calls.ts';

/**
 * One user's whole history through the real `enrichPending`, slice after slice (500 runs each,
 * the default), until nothing waiting is due. A spent daily cap (RateLimitedError) is what
 * the scheduled backfill would wait out: the clock jumps to its `resumeAt` and the slices go on.
 * Runs too recent for an archive wait with a retry time; with `catchUp`, the clock then jumps
 * to that time and they are enriched too, so "the whole history" is every run with GPS.
 */
export interface PassFigures {
  /** Summed over the slices, as enrichPending counts them. */
  weather: EnrichmentCounts;
  places: EnrichmentCounts;
  /** What the simulators received during the pass, catch-up included. */
  calls: SimulatorCalls;
  /** Of `calls`, those made after the jump to when the archive held the newest runs. */
  catchUpCalls: SimulatorCalls;
  /** Open-Meteo's weighted calls, as its simulator counted them (exact weights). */
  openMeteoUnits: number;
  /** The same as stridesync's ledger reserved them (each call's weight rounded up). */
  openMeteoReserved: number;
  slices: number;
  /** Spent budgets waited out (RateLimitedError: the clock jumped to its `resumeAt`). */
  budgetWaits: number;
  /** How far the clients' own waits moved the manual clock, plus any budget wait. */
  clockMs: number;
  wallMs: number;
}

const SLICE_RUNS = 500;
const MAX_SLICES = 40;

export async function enrichHistory(
  world: BenchWorld,
  db: Database,
  deps: EnrichmentDeps,
  userId: string,
  options: { catchUp: boolean; reservedUnits: () => number },
): Promise<PassFigures> {
  const started = performance.now();
  const reservedBefore = options.reservedUnits();
  const figures: PassFigures = {
    weather: zeroCounts(),
    places: zeroCounts(),
    calls: NO_CALLS,
    catchUpCalls: NO_CALLS,
    openMeteoUnits: 0,
    openMeteoReserved: 0,
    slices: 0,
    budgetWaits: 0,
    clockMs: 0,
    wallMs: 0,
  };
  const first = await slicesUntilIdle(world, db, deps, userId, figures);
  figures.calls = first;
  const waitUntil = options.catchUp ? await latestRetry(db, userId) : undefined;
  if (waitUntil !== undefined && waitUntil > world.clock.now()) {
    // Not a rate-limit wait: the archive has not reached these days yet. Not in clockMs.
    world.clock.set(waitUntil);
    figures.catchUpCalls = await slicesUntilIdle(world, db, deps, userId, figures);
    figures.calls = addCalls(first, figures.catchUpCalls);
  }
  figures.openMeteoReserved = options.reservedUnits() - reservedBefore;
  figures.wallMs = performance.now() - started;
  return figures;
}

async function slicesUntilIdle(
  world: BenchWorld,
  db: Database,
  deps: EnrichmentDeps,
  userId: string,
  figures: PassFigures,
): Promise<SimulatorCalls> {
  const before = simulatorCalls(world.sims);
  const unitsBefore = openMeteoUnitsToday(world.sims);
  const clockBefore = world.clock.now();
  let dayUnits = 0;
  for (let slice = 0; slice < MAX_SLICES; slice++) {
    figures.slices += 1;
    try {
      const { weather, places } = await enrichPending(db, deps, { userId, limit: SLICE_RUNS });
      addInto(figures.weather, weather);
      addInto(figures.places, places);
      if (selected(weather) + selected(places) === 0) {
        figures.openMeteoUnits += dayUnits + openMeteoUnitsToday(world.sims) - unitsBefore;
        figures.clockMs += world.clock.now() - clockBefore;
        return callsBetween(before, simulatorCalls(world.sims));
      }
    } catch (error) {
      if (!(error instanceof RateLimitedError)) throw error;
      const resumeAt = Math.max(world.clock.now(), error.resumeAt.getTime());
      // A jump into another UTC day starts the simulator's day afresh: keep what it counted.
      if (utcDay(resumeAt) !== utcDay(world.clock.now())) {
        dayUnits += openMeteoUnitsToday(world.sims);
      }
      figures.budgetWaits += 1;
      world.clock.set(resumeAt);
    }
  }
  throw new Error(`enrichment of ${userId} did not settle in ${MAX_SLICES} slices`);
}

/** When the last run waiting for an archive becomes askable. */
async function latestRetry(db: Database, userId: string): Promise<number | undefined> {
  const { rows } = await db.query<{ at: Date | null }>(
    `select max(weather_retry_at) as at from activities
     where user_id = $1 and weather_status = 'pending' and deleted_at is null`,
    [userId],
  );
  return rows[0]?.at?.getTime();
}

function selected(c: EnrichmentCounts): number {
  return c.enriched + c.unavailable + c.stillPending + c.notApplicable;
}

function zeroCounts(): EnrichmentCounts {
  return {
    enriched: 0,
    unavailable: 0,
    stillPending: 0,
    notApplicable: 0,
    calls: 0,
    cacheHits: 0,
    cacheMisses: 0,
  };
}

function addInto(total: EnrichmentCounts, c: EnrichmentCounts): void {
  for (const key of Object.keys(total) as (keyof EnrichmentCounts)[]) total[key] += c[key];
}
