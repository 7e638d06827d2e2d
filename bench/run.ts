import { DEMO_ATHLETE, DEMO_USER, ensureDemoUser } from '../src/wiring/node/demo-user.ts';
import { openBenchDatabase } from './bench-database.ts';
import { startBenchWorld } from './bench-world.ts';
import { benchEstimate, printEstimate } from './estimate.ts';
import { neighbourOf } from './neighbour-athlete.ts';
import { benchOfflinePlaces, printOfflinePlaces } from './offline-places.ts';
import { PROVIDER_PAIRS } from './provider-pairs.ts';
import { benchPair, type PairFigures } from './provider-scenario.ts';
import { printReport } from './report.ts';
import { benchSseLatency, printSseLatency } from './sse-latency.ts';
import { type BenchRunner, insertBenchUser, syncHistory } from './sync-history.ts';

/**
 * `npm run bench`: the figures of docs/benchmarks.md. Everything runs in this process and in
 * memory: the simulators on a loopback port, PGlite in `memory://`; nothing is written to disk.
 * `npm run bench -- enrichment`, `-- sse-latency`, `-- estimate` or `-- places-offline` runs one part; with `BENCH_POSTGRES_URL` set
 * (a server where the user may create databases), the live-progress latency is also measured on
 * Postgres, in a database created and dropped for it.
 */
const START_AT = '2026-11-28T12:00:00Z';
const NEIGHBOUR_USER = {
  id: 'd3e0a000-0000-4000-8000-000000000002',
  email: 'neighbour@stridesync.local',
};

async function main(): Promise<void> {
  const started = performance.now();
  const world = await startBenchWorld(START_AT, [DEMO_ATHLETE]);
  try {
    const demoAthleteId = [...world.sims.strava.athletes.keys()][0] as number;
    const neighbourOptions = neighbourOf(
      DEMO_ATHLETE,
      world.sims.strava.activitiesOf(demoAthleteId),
    );
    const neighbourAthlete = world.sims.strava.addAthlete(neighbourOptions);
    const runners: { demo: BenchRunner; neighbour: BenchRunner } = {
      demo: { label: 'demo', userId: DEMO_USER.id, athleteId: demoAthleteId },
      neighbour: { label: 'neighbour', userId: NEIGHBOUR_USER.id, athleteId: neighbourAthlete.id },
    };

    const syncStarted = performance.now();
    const base = await openBenchDatabase();
    await ensureDemoUser(base.db);
    await insertBenchUser(base.db, NEIGHBOUR_USER.id, NEIGHBOUR_USER.email);
    await syncHistory(world, base.db, runners.demo);
    await syncHistory(world, base.db, runners.neighbour);
    const synced = await base.dump();
    await base.close();
    const syncMs = performance.now() - syncStarted;

    const results: PairFigures[] = [];
    for (const pair of PROVIDER_PAIRS)
      results.push(await benchPair(world, synced, pair, runners, START_AT));
    printReport({
      results,
      athletes: {
        demo: `seed '${DEMO_ATHLETE.seed}', ${DEMO_ATHLETE.activityCount} activities over ${DEMO_ATHLETE.years} years (DEMO_ATHLETE)`,
        neighbour: `seed '${neighbourOptions.seed}', same size, same homes (${(neighbourOptions.homePlaces ?? []).join(' → ')}), own times, start points and travels`,
      },
      syncMs,
      totalMs: performance.now() - started,
    });
  } finally {
    await world.close();
  }
}

const PARTS = ['enrichment', 'sse-latency', 'estimate', 'places-offline'];
const part = process.argv[2];
if (part && !PARTS.includes(part)) {
  console.error(`No bench part '${part}'; the parts are ${PARTS.join(', ')}.`);
  process.exit(2);
}
if (!part || part === 'enrichment') await main();
if (!part || part === 'sse-latency')
  printSseLatency(await benchSseLatency(process.env.BENCH_POSTGRES_URL));
if (!part || part === 'estimate') printEstimate(await benchEstimate());
if (!part || part === 'places-offline') printOfflinePlaces(await benchOfflinePlaces());
