import { createApiLedger } from '../src/budget/api-ledger.ts';
import {
  createEnrichmentServices,
  stridesyncUserAgent,
} from '../src/enrichment/enrichment-services.ts';
import type { Database } from '../src/store/database.ts';
import { enrichForSync } from '../src/sync/enrich-for-sync.ts';
import { openBenchDatabase } from './bench-database.ts';
import type { BenchSize } from './bench-results.ts';
import { type BenchWorld, startBenchWorld } from './bench-world.ts';
import { countingDatabase } from './counting-database.ts';
import { PROVIDER_PAIRS } from './provider-pairs.ts';
import { print, table } from './report-format.ts';
import { LOCAL_POSTGRES_URL, withScratchPostgres } from './scratch-postgres.ts';
import { callsBetween, simulatorCalls } from './simulator-calls.ts';
import { percentile, stravaApiCalls } from './stats.ts';
import { type BenchRunner, connectRunner, insertBenchUser, syncHistory } from './sync-history.ts';

/**
 * B4, an incremental sync with nothing new: a runner whose whole history is stored and enriched
 * asks for a sync. Through the real runner (`runSync`) with the worker's enrichment step
 * (OpenWeatherMap with a key, as PROVIDER_PAIRS' first), against the simulators over HTTP: what
 * it costs in Strava calls, weather and place calls, and wall time from the session's creation
 * to its completion.
 */
const START_AT = '2026-11-28T12:00:00Z';
const RUNNER_ID = 'b4b4b4b4-0000-4000-8000-000000000004';

export interface NoopFigures {
  database: string;
  activities: number;
  runsStored: number;
  syncs: number;
  /** Per sync: the same every time (asserted below), so one number each. */
  stravaCalls: number;
  weatherCalls: number;
  placeCalls: number;
  /** Database statements (transactions' included) and transactions, per sync. */
  statements: number;
  transactions: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

interface PerSync {
  strava: number;
  weather: number;
  places: number;
  statements: number;
  transactions: number;
}

export async function benchIncrementalNoop(size: BenchSize): Promise<NoopFigures[]> {
  const activities = size.full ? 5_000 : 500;
  const syncs = size.full ? 50 : 10;
  const world = await startBenchWorld(START_AT, [
    { seed: 'bench-noop', activityCount: activities, years: 10 },
  ]);
  try {
    const figures: NoopFigures[] = [];
    const pglite = await openBenchDatabase();
    try {
      figures.push(await measure(world, 'PGlite (memory)', pglite.db, syncs));
    } finally {
      await pglite.close();
    }
    figures.push(
      await withScratchPostgres(process.env.BENCH_POSTGRES_URL ?? LOCAL_POSTGRES_URL, (scratch) =>
        measure(world, scratch.label, scratch.db, syncs),
      ),
    );
    return figures;
  } finally {
    await world.close();
  }
}

async function measure(
  world: BenchWorld,
  database: string,
  inner: Database,
  syncs: number,
): Promise<NoopFigures> {
  const { db, counts } = countingDatabase(inner);
  const athleteId = [...world.sims.strava.athletes.keys()][0] as number;
  const runner: BenchRunner = { label: 'noop', userId: RUNNER_ID, athleteId };
  await insertBenchUser(db, runner.userId, 'noop@bench.stridesync.local');
  const connected = await connectRunner(world, db, runner);
  await syncHistory(world, db, runner, { connected });
  // The history as a runner's is after its weather backfill: nothing waits for a lookup.
  await db.query(
    `update activities set weather_status = 'enriched', place_status = 'enriched'
     where weather_status = 'pending' or place_status = 'pending'`,
  );
  const pair = PROVIDER_PAIRS[0];
  if (!pair) throw new Error('no provider pair to enrich with');
  const services = createEnrichmentServices(pair.settings(world.urls), {
    ledger: createApiLedger(db, world.clock),
    clock: world.clock,
    userAgent: stridesyncUserAgent('http://localhost:8787'),
    sleep: world.sleep,
    http: { sleep: world.sleep },
  });
  const enrich = enrichForSync(db, services, world.clock);
  const times: number[] = [];
  let perSync: PerSync | undefined;
  for (let i = 0; i < syncs; i++) {
    const stravaBefore = stravaApiCalls(world);
    const countsBefore = { ...counts };
    const callsBefore = simulatorCalls(world.sims);
    const started = performance.now();
    await syncHistory(world, db, runner, { connected, enrich, kind: 'incremental' });
    times.push(performance.now() - started);
    const calls = callsBetween(callsBefore, simulatorCalls(world.sims));
    const these = {
      strava: stravaApiCalls(world) - stravaBefore,
      weather: calls.oneCall + calls.openMeteo,
      places: calls.owmGeocoding + calls.nominatim,
      statements: counts.statements - countsBefore.statements,
      transactions: counts.transactions - countsBefore.transactions,
    };
    if (perSync && JSON.stringify(perSync) !== JSON.stringify(these))
      throw new Error(`no-op syncs made different calls: ${JSON.stringify([perSync, these])}`);
    perSync = these;
  }
  const { rows } = await db.query<{ n: number }>(
    'select count(*)::int as n from activities where user_id = $1',
    [runner.userId],
  );
  return {
    database,
    activities: world.sims.strava.activitiesOf(athleteId).length,
    runsStored: rows[0]?.n ?? 0,
    syncs,
    stravaCalls: perSync?.strava ?? 0,
    weatherCalls: perSync?.weather ?? 0,
    placeCalls: perSync?.places ?? 0,
    statements: perSync?.statements ?? 0,
    transactions: perSync?.transactions ?? 0,
    p50Ms: percentile(times, 0.5),
    p95Ms: percentile(times, 0.95),
    maxMs: Math.max(...times),
  };
}

export function printIncrementalNoop(figures: NoopFigures[]): void {
  print('', '## B4 incremental sync with nothing new', '');
  table(
    [
      'database',
      'history (activities / runs stored)',
      'syncs',
      'Strava calls per sync',
      'weather calls',
      'place calls',
      'statements / transactions',
      'p50',
      'p95',
      'max',
    ],
    figures.map((f) => [
      f.database,
      `${f.activities} / ${f.runsStored}`,
      String(f.syncs),
      String(f.stravaCalls),
      String(f.weatherCalls),
      String(f.placeCalls),
      `${f.statements} / ${f.transactions}`,
      `${f.p50Ms.toFixed(0)} ms`,
      `${f.p95Ms.toFixed(0)} ms`,
      `${f.maxMs.toFixed(0)} ms`,
    ]),
  );
}
