import type { TokenSet } from '../sim/strava/index.ts';
import { createManualClock } from '../src/core/clock.ts';
import { createPgDatabase } from '../src/store/pg-database.ts';
import { type BenchRunner, type StravaSide, syncHistory } from './sync-history.ts';

/**
 * The worker side of B3 (bench/memory.ts), a process of its own so that its peak RSS is the
 * sync's alone: the simulators and their generated histories live in the parent. Backfills one
 * runner through the real runner into Postgres, then prints its memory as one JSON line.
 * Everything it needs comes in MEMORY_WORKER (JSON).
 */
interface WorkerInput {
  databaseUrl: string;
  startAt: string;
  urls: StravaSide['urls'];
  stravaApp: StravaSide['sims']['stravaApp'];
  tokens: TokenSet;
  runner: BenchRunner;
}

const SAMPLE_MS = 20;

const input = JSON.parse(process.env.MEMORY_WORKER ?? '') as WorkerInput;
const clock = createManualClock(input.startAt);
const side: StravaSide = {
  clock,
  // Waits (a spent Strava window) pass on this process's clock, not in wall time.
  sleep: async (ms) => clock.set(clock.now() + ms),
  urls: input.urls,
  sims: { stravaApp: input.stravaApp, strava: { issueTokens: () => input.tokens } },
};
const db = createPgDatabase(input.databaseUrl);
let peakHeapBytes = 0;
const sample = () => {
  peakHeapBytes = Math.max(peakHeapBytes, process.memoryUsage().heapUsed);
};
const sampler = setInterval(sample, SAMPLE_MS);
try {
  const beforeRssBytes = process.memoryUsage().rss;
  const started = performance.now();
  await syncHistory(side, db, input.runner);
  sample();
  const syncMs = performance.now() - started;
  // What the heap still holds once collected: kept (a leak would show here) rather than garbage
  // not yet collected, which is all the sampled peak may be.
  globalThis.gc?.();
  console.log(
    JSON.stringify({
      beforeRssBytes,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      peakHeapBytes,
      retainedHeapBytes: process.memoryUsage().heapUsed,
      syncMs,
    }),
  );
} finally {
  clearInterval(sampler);
  await db.close();
}
