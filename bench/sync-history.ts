import { randomBytes } from 'node:crypto';
import { createApiLedger } from '../src/budget/api-ledger.ts';
import { loadConfig } from '../src/config/config.ts';
import { DEFAULT_LEASE_TTL_MS } from '../src/config/defaults.ts';
import type { Clock } from '../src/core/clock.ts';
import { createLogger } from '../src/observability/logger.ts';
import type { Database } from '../src/store/database.ts';
import { sessionStore } from '../src/store/session-store.ts';
import { createConnectionStore } from '../src/strava/connection-store.ts';
import { createStravaClient } from '../src/strava/strava-client.ts';
import { createTokenCipher } from '../src/strava/token-crypto.ts';
import { createTokenManager } from '../src/strava/token-manager.ts';
import { runSync } from '../src/sync/run-sync.ts';
import type { SyncDeps } from '../src/sync/sync-deps.ts';
import type { BenchWorld } from './bench-world.ts';

/**
 * What a sync needs of the bench world: its clock, the Strava simulator's URLs and application,
 * and tokens for an athlete. A BenchWorld is one; a process of its own (bench/memory-worker.ts)
 * makes one of what the world's process hands it.
 */
export interface StravaSide {
  clock: BenchWorld['clock'];
  sleep: BenchWorld['sleep'];
  urls: Pick<BenchWorld['urls'], 'stravaApiUrl' | 'stravaOauthUrl'>;
  sims: {
    stravaApp: BenchWorld['sims']['stravaApp'];
    strava: Pick<BenchWorld['sims']['strava'], 'issueTokens'>;
  };
}

/** A stridesync user connected to one simulated Strava athlete. */
export interface BenchRunner {
  label: string;
  userId: string;
  athleteId: number;
}

const MAX_RUNS = 200;

/**
 * A backfill of the runner's whole history (or an incremental sync: `kind`) through the real runner (`runSync`) against the
 * Strava simulator. Without `enrich`, the runs are stored exactly as a sync stores them and wait
 * `pending` for weather and place, which is where the enrichment bench starts; with it, the
 * sync enriches them as a worker's does (the estimate bench).
 */
export async function syncHistory(
  world: StravaSide,
  db: Database,
  runner: BenchRunner,
  options: {
    enrich?: SyncDeps['enrich'];
    connected?: ConnectedRunner;
    kind?: 'backfill' | 'incremental';
  } = {},
): Promise<ConnectedRunner> {
  const connected = options.connected ?? (await connectRunner(world, db, runner));
  const deps: SyncDeps = {
    ...connected.deps,
    ...(options.enrich ? { enrich: options.enrich } : {}),
  };
  const { clock } = world;
  const { session } = await sessionStore.start(db, {
    userId: runner.userId,
    kind: options.kind ?? 'backfill',
    correlationId: `bench-${runner.label}`,
  });
  for (let run = 0; run < MAX_RUNS; run++) {
    const outcome = await runSync(deps, {
      sessionId: session.id,
      owner: 'bench',
      deadlineMs: Number.MAX_SAFE_INTEGER,
      leaseTtlMs: DEFAULT_LEASE_TTL_MS,
    });
    if (outcome.status === 'completed') return connected;
    if (outcome.status === 'rate_limited') clock.set(outcome.resumeAt);
    else if (outcome.status !== 'yielded' && outcome.status !== 'retry') {
      throw new Error(`sync of ${runner.label} ended ${JSON.stringify(outcome)}`);
    }
  }
  throw new Error(`sync of ${runner.label} did not end in ${MAX_RUNS} runs`);
}

/** A runner connected to their simulated athlete: the sync's Strava parts, without enrichment. */
export interface ConnectedRunner {
  deps: SyncDeps;
}

export async function connectRunner(
  world: StravaSide,
  db: Database,
  runner: BenchRunner,
): Promise<ConnectedRunner> {
  const connections = createConnectionStore(
    createTokenCipher([{ version: 1, key: randomBytes(32) }]),
  );
  await saveRunnerTokens(world, db, connections, runner);
  return { deps: benchSyncDeps(world, db, connections) };
}

/** Stores the runner's tokens, issued by the simulator, as the connect callback would. */
export async function saveRunnerTokens(
  world: Pick<StravaSide, 'sims'>,
  db: Database,
  connections: ConnectionStore,
  runner: BenchRunner,
): Promise<void> {
  const scopes = ['read', 'activity:read_all'] as const;
  const issued = world.sims.strava.issueTokens(runner.athleteId, [...scopes]);
  await connections.saveTokens(
    db,
    runner.userId,
    { ...issued },
    {
      athlete: { id: String(runner.athleteId) },
      scopes: [...scopes],
    },
  );
}

/**
 * A sync's parts against the Strava simulator, without enrichment: the real client on the shared
 * ledger in `db`, the token manager over `connections` (tokens stored with its key).
 */
export function benchSyncDeps(
  world: Pick<StravaSide, 'sleep' | 'urls'> & {
    clock: Clock;
    sims: Pick<StravaSide['sims'], 'stravaApp'>;
  },
  db: Database,
  connections: ConnectionStore,
): SyncDeps {
  const { clock } = world;
  const client = createStravaClient({
    apiUrl: world.urls.stravaApiUrl,
    oauthUrl: world.urls.stravaOauthUrl,
    ...world.sims.stravaApp,
    ledger: createApiLedger(db, clock),
    clock,
    http: { sleep: world.sleep },
  });
  const logger = createLogger('silent');
  const tokens = createTokenManager({ db, store: connections, strava: client, clock, logger });
  return {
    db,
    clock,
    logger,
    strava: { client, tokens, connections },
    purgeOnDeauthorize: false,
    // What a default install keeps as runs (STRAVA_SPORT_TYPES).
    sportTypes: loadConfig({}).strava.sportTypes,
  };
}

type ConnectionStore = ReturnType<typeof createConnectionStore>;

export async function insertBenchUser(db: Database, id: string, email: string): Promise<void> {
  await db.query('insert into auth.users (id, email) values ($1, $2) on conflict (id) do nothing', [
    id,
    email,
  ]);
}
