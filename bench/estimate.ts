import { createApiLedger } from '../src/budget/api-ledger.ts';
import { enrichPending } from '../src/enrichment/enrich-pending.ts';
import {
  createEnrichmentServices,
  stridesyncUserAgent,
} from '../src/enrichment/enrichment-services.ts';
import {
  type BackfillEstimate,
  createBackfillEstimator,
} from '../src/estimate/backfill-estimate.ts';
import { type EstimateTiming, estimateSettingsOf } from '../src/estimate/estimate-settings.ts';
import { createLogger } from '../src/observability/logger.ts';
import type { Database } from '../src/store/database.ts';
import { purgeUserData } from '../src/store/purge-user-data.ts';
import { enrichForSync } from '../src/sync/enrich-for-sync.ts';
import { DEMO_ATHLETE, DEMO_USER, ensureDemoUser } from '../src/wiring/node/demo-user.ts';
import { openBenchDatabase } from './bench-database.ts';
import type { BenchSize } from './bench-results.ts';
import { type BenchWorld, startBenchWorld } from './bench-world.ts';
import { neighbourOf } from './neighbour-athlete.ts';
import { PROVIDER_PAIRS } from './provider-pairs.ts';
import type { ProviderPair } from './provider-scenario.ts';
import { duration, print, table } from './report-format.ts';
import { callsBetween, simulatorCalls } from './simulator-calls.ts';
import { stravaApiCalls } from './stats.ts';
import {
  type BenchRunner,
  type ConnectedRunner,
  connectRunner,
  insertBenchUser,
  syncHistory,
} from './sync-history.ts';
import { createWarpClock } from './warp-clock.ts';

/**
 * `npm run bench -- estimate`: `GET /api/estimate`'s model (createBackfillEstimator, as the
 * route calls it) against what a real backfill then does, per provider setup, in three steps
 * on one database: the demo athlete with empty caches, the neighbour (same towns, the demo's
 * caches), and the demo athlete again after their runs were deleted here (soft), then purged
 * (purgeUserData, as a disconnect with purge does: every lookup a cache hit). The backfill is the real runner
 * (`runSync`) with the worker's enrichment step, then enrichment passes until nothing due is
 * left (what the sync leaves to the scheduled backfill), against the simulators with their
 * published limits (Strava 100 reads a quarter hour, OpenWeatherMap 60 a minute, Open-Meteo
 * 600 weighted a minute, Nominatim 1 a second) and stridesync's default caps. The clock is
 * the wall clock fast-forwarded through every wait (warp-clock.ts): measured time is the
 * code's real work and the simulators' real answers plus the waits the limits impose.
 */
const START_AT = '2026-11-28T12:00:00Z';
const NEIGHBOUR_USER = {
  id: 'd3e0a000-0000-4000-8000-000000000002',
  email: 'neighbour@stridesync.local',
};

/**
 * The simulators' own response times over loopback and stridesync's work per enrichment batch
 * on PGlite in memory, as this bench sees them (a few ms a call): what the estimate is given
 * for them, as the demo gives its own.
 */
export const SIMULATOR_TIMING: EstimateTiming = {
  stravaCallMs: 40,
  weatherCallMs: 10,
  placeCallMs: 5,
  nominatimIntervalMs: 1000,
  batchWorkMs: 60,
};

interface Figures {
  runs: number;
  stravaCalls: number;
  weatherLookups: number;
  weatherCalls: number;
  placeLookups: number;
  placeCalls: number;
  durationMs: number;
}

export interface EstimateRow {
  setup: string;
  step: string;
  /** What the estimate says of its uncertainty (`activities.note`). */
  note: string | undefined;
  estimate: Figures & {
    range: { low: number; high: number };
    durationRangeMs: { low: number; high: number };
  };
  measured: Figures;
}

/** Both provider setups with `--full`; the first alone at the quick size. */
export async function benchEstimate(size: BenchSize): Promise<EstimateRow[]> {
  const clock = createWarpClock(START_AT);
  const world = await startBenchWorld(START_AT, [DEMO_ATHLETE], clock);
  try {
    const demoAthleteId = [...world.sims.strava.athletes.keys()][0] as number;
    const neighbour = world.sims.strava.addAthlete(
      neighbourOf(DEMO_ATHLETE, world.sims.strava.activitiesOf(demoAthleteId)),
    );
    const runners = {
      demo: { label: 'demo', userId: DEMO_USER.id, athleteId: demoAthleteId },
      neighbour: { label: 'neighbour', userId: NEIGHBOUR_USER.id, athleteId: neighbour.id },
    };
    const rows: EstimateRow[] = [];
    const pairs = size.full ? PROVIDER_PAIRS : PROVIDER_PAIRS.slice(0, 1);
    for (const pair of pairs) rows.push(...(await benchSetup(world, pair, runners)));
    return rows;
  } finally {
    await world.close();
  }
}

async function benchSetup(
  world: BenchWorld,
  pair: ProviderPair,
  runners: { demo: BenchRunner; neighbour: BenchRunner },
): Promise<EstimateRow[]> {
  world.sims.openWeatherMap.reset();
  world.sims.openMeteo.reset();
  world.sims.nominatim.reset();
  const { db, close } = await openBenchDatabase();
  try {
    await ensureDemoUser(db);
    await insertBenchUser(db, NEIGHBOUR_USER.id, NEIGHBOUR_USER.email);
    const services = createEnrichmentServices(pair.settings(world.urls), {
      ledger: createApiLedger(db, world.clock),
      clock: world.clock,
      userAgent: stridesyncUserAgent('http://localhost:8787'),
      sleep: world.sleep,
      http: { sleep: world.sleep },
    });
    const settings = estimateSettingsOf(services, SIMULATOR_TIMING);
    if (settings?.weatherProvider !== pair.weather || settings.placeProvider !== pair.places)
      throw new Error(
        `${pair.label}: enrichment does not ask ${pair.weather} and ${pair.places} first`,
      );
    const connected = new Map<string, ConnectedRunner>();
    const step = async (runner: BenchRunner, label: string): Promise<EstimateRow> => {
      const runnerParts = connected.get(runner.userId) ?? (await connectRunner(world, db, runner));
      connected.set(runner.userId, runnerParts);
      const { client, tokens } = runnerParts.deps.strava;
      const estimator = createBackfillEstimator({
        db,
        clock: world.clock,
        settings,
        strava: { client, tokens },
      });
      const estimate = await estimator(runner.userId, createLogger('silent'));
      const measured = await backfill(world, db, runner, runnerParts, { ...services });
      return {
        setup: pair.label,
        step: label,
        note: estimate.activities.note,
        estimate: figuresOf(estimate),
        measured,
      };
    };
    const rows = [
      await step(runners.demo, 'demo, caches empty'),
      await step(runners.neighbour, "neighbour, the demo's caches"),
    ];
    // Deleted here, still on Strava (as a reconcile or a deletion event leaves them): the
    // backfill restores them. Then deleted for good (a disconnect with purge): nothing is
    // known of them, every lookup is a cache hit the estimate cannot see.
    await db.query('update activities set deleted_at = now() where user_id = $1', [
      runners.demo.userId,
    ]);
    rows.push(await step(runners.demo, 'demo again, its runs deleted here'));
    await db.withTransaction((tx) => purgeUserData(tx, runners.demo.userId));
    rows.push(await step(runners.demo, 'demo again, its runs purged'));
    return rows;
  } finally {
    await close();
  }
}

/** The real backfill, then what the scheduled weather backfill finishes, measured. */
async function backfill(
  world: BenchWorld,
  db: Database,
  runner: BenchRunner,
  connected: ConnectedRunner,
  services: ReturnType<typeof createEnrichmentServices>,
): Promise<Figures> {
  const stravaBefore = stravaApiCalls(world);
  const callsBefore = simulatorCalls(world.sims);
  const started = world.clock.now();
  const deps = { ...services, clock: world.clock };
  await syncHistory(world, db, runner, {
    enrich: enrichForSync(db, services, world.clock),
    connected,
  });
  // What the sync leaves (places after weather stopped making progress) the backfill job
  // serves, waiting out each spent window as its next job would.
  for (;;) {
    const { weather, places, deferral } = await enrichPending(db, deps, { userId: runner.userId });
    if (deferral) world.clock.set(deferral.until);
    else if (weather.enriched + weather.unavailable + places.enriched + places.unavailable === 0)
      break;
  }
  const durationMs = world.clock.now() - started;
  const calls = callsBetween(callsBefore, simulatorCalls(world.sims));
  const { rows } = await db.query<{ runs: number; weather: number; places: number }>(
    `select count(*)::int as runs,
       count(*) filter (where weather_status <> 'not_applicable')::int as weather,
       count(*) filter (where place_status <> 'not_applicable')::int as places
     from activities where user_id = $1 and deleted_at is null`,
    [runner.userId],
  );
  const stored = rows[0] ?? { runs: 0, weather: 0, places: 0 };
  return {
    runs: stored.runs,
    stravaCalls: stravaApiCalls(world) - stravaBefore,
    weatherLookups: stored.weather,
    weatherCalls: calls.oneCall + calls.openMeteo,
    placeLookups: stored.places,
    placeCalls: calls.owmGeocoding + calls.nominatim,
    durationMs,
  };
}

function figuresOf(e: BackfillEstimate): EstimateRow['estimate'] {
  return {
    runs: e.activities.expected,
    range: e.activities.range,
    stravaCalls: e.strava.calls,
    weatherLookups: e.enrichment.weather.lookups,
    weatherCalls: e.enrichment.weather.calls,
    placeLookups: e.enrichment.places.lookups,
    placeCalls: e.enrichment.places.calls,
    durationMs: e.durationMs,
    durationRangeMs: e.durationRangeMs,
  };
}

/** Strava API requests the simulator received (OAuth excluded), whatever their answer. */
export function printEstimate(rows: readonly EstimateRow[]): void {
  const off = (estimate: number, measured: number) =>
    measured === 0
      ? estimate === 0
        ? '0 %'
        : '—'
      : `${Math.round(((estimate - measured) * 100) / measured)} %`;
  const pair = (e: number, m: number) => `${e} / ${m}`;
  print('', '## Estimate against a real backfill (estimate / measured)', '');
  table(
    [
      'setup',
      'runner',
      'runs',
      'runs off',
      'Strava calls',
      'weather lookups',
      'weather calls',
      'place lookups',
      'place calls',
      'time',
      'time off',
      'estimated ranges',
    ],
    rows.map((r) => [
      r.setup,
      r.step,
      pair(r.estimate.runs, r.measured.runs),
      off(r.estimate.runs, r.measured.runs),
      pair(r.estimate.stravaCalls, r.measured.stravaCalls),
      pair(r.estimate.weatherLookups, r.measured.weatherLookups),
      pair(r.estimate.weatherCalls, r.measured.weatherCalls),
      pair(r.estimate.placeLookups, r.measured.placeLookups),
      pair(r.estimate.placeCalls, r.measured.placeCalls),
      `${duration(r.estimate.durationMs)} / ${duration(r.measured.durationMs)}`,
      off(r.estimate.durationMs, r.measured.durationMs),
      `runs ${r.estimate.range.low}–${r.estimate.range.high}; ${duration(r.estimate.durationRangeMs.low)}–${duration(r.estimate.durationRangeMs.high)}`,
    ]),
  );
  print('', "The estimate's notes:", '');
  for (const r of rows) print(`- ${r.setup}, ${r.step}: ${r.note ?? '(none)'}`);
}
