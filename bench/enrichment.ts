import { DEMO_ATHLETE, DEMO_USER, ensureDemoUser } from '../src/wiring/node/demo-user.ts';
import { openBenchDatabase } from './bench-database.ts';
import { startBenchWorld } from './bench-world.ts';
import { neighbourOf } from './neighbour-athlete.ts';
import { PROVIDER_PAIRS } from './provider-pairs.ts';
import { benchPair, type PairFigures } from './provider-scenario.ts';
import type { BenchReport } from './report.ts';
import { type BenchRunner, insertBenchUser, syncHistory } from './sync-history.ts';

/**
 * What enriching a runner's history costs in calls, cache hits and time, per provider pair
 * (docs/benchmarks.md). Everything runs in this process and in memory: the simulators on a
 * loopback port, PGlite in `memory://`.
 */
const START_AT = '2026-11-28T12:00:00Z';
const NEIGHBOUR_USER = {
  id: 'd3e0a000-0000-4000-8000-000000000002',
  email: 'neighbour@stridesync.local',
};

export async function benchEnrichment(): Promise<BenchReport> {
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
    return {
      results,
      athletes: {
        demo: `seed '${DEMO_ATHLETE.seed}', ${DEMO_ATHLETE.activityCount} activities over ${DEMO_ATHLETE.years} years (DEMO_ATHLETE)`,
        neighbour: `seed '${neighbourOptions.seed}', same size, same homes (${(neighbourOptions.homePlaces ?? []).join(' → ')}), own times, start points and travels`,
      },
      syncMs,
      totalMs: performance.now() - started,
    };
  } finally {
    await world.close();
  }
}
