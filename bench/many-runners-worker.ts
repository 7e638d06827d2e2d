import { loadConfig } from '../src/config/config.ts';
import { startWorkers } from '../src/queue/start-workers.ts';
import { createPgDatabase } from '../src/store/pg-database.ts';
import { createConnectionStore } from '../src/strava/connection-store.ts';
import { createTokenCipher } from '../src/strava/token-crypto.ts';
import type { StravaSide } from './sync-history.ts';
import { benchSyncDeps } from './sync-history.ts';

/**
 * One worker process of B5 (bench/many-runners.ts): what `stridesync worker` runs
 * (`startWorkers` with the configuration's defaults: one sync job at a time, 60-second jobs,
 * a pool of 10 connections), against the Strava simulator the bench process serves, without
 * enrichment or schedules. Prints `ready` once it works the queue; SIGTERM stops it as it stops
 * `stridesync worker`. Everything it needs comes in MANY_RUNNERS_WORKER (JSON).
 */
interface WorkerInput {
  owner: string;
  databaseUrl: string;
  urls: StravaSide['urls'];
  stravaApp: StravaSide['sims']['stravaApp'];
  /** The key the bench stored the runners' tokens with (base64). */
  tokenKey: string;
  /** The bench's clock less this machine's: the simulator's time, which tokens expire on. */
  clockOffsetMs: number;
}

const input = JSON.parse(process.env.MANY_RUNNERS_WORKER ?? '') as WorkerInput;
const clock = { now: () => Date.now() + input.clockOffsetMs };
const db = createPgDatabase(input.databaseUrl);
const connections = createConnectionStore(
  createTokenCipher([{ version: 1, key: Buffer.from(input.tokenKey, 'base64') }]),
);
const deps = benchSyncDeps(
  {
    clock,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    urls: input.urls,
    sims: { stravaApp: input.stravaApp },
  },
  db,
  connections,
);
const workers = await startWorkers(deps, {
  ...loadConfig({}).worker,
  owner: input.owner,
  schedules: null,
});
console.log('ready');
process.once('SIGTERM', () => {
  void workers
    .stop()
    .then(() => db.close())
    .then(() => process.exit(0));
});
