import { type ApiClient, createApiClient } from '../../src/client/api-client.ts';
import { systemClock } from '../../src/core/clock.ts';
import type { SyncPhase } from '../../src/core/glossary.ts';
import { type AppDeps, createApp } from '../../src/http/app.ts';
import { createJwtVerifier, signAccessToken } from '../../src/http/jwt.ts';
import { type RunningServer, startServer } from '../../src/http/node-server.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createProgressHub, type ProgressHub } from '../../src/progress/progress-hub.ts';
import type { JobQueue } from '../../src/queue/job-queue.ts';
import type { Database } from '../../src/store/database.ts';
import { sessionStore } from '../../src/store/session-store.ts';
import { createOAuthStates } from '../../src/strava/oauth-state.ts';
import { DEMO_USER } from '../../src/wiring/node/demo-user.ts';
import { JWT_SECRET } from '../http/test-app.ts';
import { openTestQueue } from '../queue/queue-harness.ts';
import { createPostgresTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';
import { type StravaHarness, startStravaHarness } from '../support/strava-harness.ts';

const PUBLIC_URL = 'http://localhost:8787';

/**
 * The API as production wires it, served over real HTTP on a free port: a real Postgres, LISTEN
 * for live progress, the job queue (no workers: tests move sessions themselves, as the engine
 * does), the Strava routes against the Strava simulator, the estimate and the local session.
 */
export interface ClientHarness {
  t: TestDatabase;
  strava: StravaHarness;
  server: RunningServer;
  /** Connects `userId` to the simulator's one athlete, taking it from whoever had it. */
  connectStrava(userId: string): Promise<void>;
  /** A client for a new user, or for `userId`, with the given base URL (the server's by default). */
  clientFor(options?: { userId?: string; baseUrl?: string }): Promise<TestUser>;
  /** Serves the same database with other deps (a deployment without some part). */
  startVariant(deps: Partial<AppDeps>): Promise<RunningServer>;
  close(): Promise<void>;
}

export interface TestUser {
  userId: string;
  token: string;
  client: ApiClient;
  /** A queued backfill of this user's, as `POST /api/syncs` would leave it. */
  queuedSession(): Promise<string>;
}

export async function startClientHarness(): Promise<ClientHarness> {
  const t = await createPostgresTestDatabase();
  const strava = await startStravaHarness(t.db);
  const logger = createLogger('silent');
  const queue: JobQueue = await openTestQueue(t.db);
  const hub: ProgressHub = createProgressHub(t.db, logger);
  const deps: AppDeps = {
    db: t.db,
    clock: systemClock,
    logger,
    auth: createJwtVerifier({ secret: JWT_SECRET }),
    progressHub: hub,
    queue,
    strava: {
      client: strava.client,
      tokens: strava.tokens,
      store: strava.store,
      states: createOAuthStates(JWT_SECRET, strava.clock),
      oauthUrl: strava.oauthUrl,
      clientId: strava.sim.defaultApp.clientId,
      publicUrl: PUBLIC_URL,
    },
    estimate: { weatherProvider: 'open-meteo', placeProvider: 'nominatim' },
    localSession: { jwtSecret: JWT_SECRET, user: DEMO_USER },
  };
  const server = await startServer(createApp(deps), { port: 0 });
  const variants: RunningServer[] = [];

  return {
    t,
    strava,
    server,
    async connectStrava(userId) {
      await t.db.query('delete from strava_connections where user_id <> $1', [userId]);
      await strava.connect(userId);
    },
    async clientFor({ userId, baseUrl = server.url } = {}) {
      const id = userId ?? (await insertUser(t.db));
      const token = await signAccessToken(JWT_SECRET, { sub: id });
      return {
        userId: id,
        token,
        client: createApiClient({ baseUrl, getAccessToken: async () => token }),
        async queuedSession() {
          const { session } = await sessionStore.start(t.db, {
            userId: id,
            kind: 'backfill',
            correlationId: 'client-test',
          });
          return session.id;
        },
      };
    },
    async startVariant(overrides) {
      const variant = await startServer(createApp({ ...deps, ...overrides }), { port: 0 });
      variants.push(variant);
      return variant;
    },
    async close() {
      for (const variant of variants) await variant.close();
      await server.close();
      await hub.close();
      await queue.stop({ timeoutMs: 0 });
      await strava.close();
      await t.dispose();
    },
  };
}

/** Waits until `check` holds, polling; fails with `what` after `timeoutMs`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const OWNER = 'client-test-worker';
const LEASE_MS = 60_000;

/**
 * Moves a session the way a worker does, with the runner's own store calls and statements:
 * claim, phase changes, a slice's counters, parking for the rate limit, completion.
 */
export function workerMoves(db: Database, sessionId: string) {
  let phase: SyncPhase | null = null;
  return {
    claim: () => sessionStore.claim(db, sessionId, OWNER, Date.now(), LEASE_MS),
    async enter(to: SyncPhase) {
      await sessionStore.setPhase(db, { id: sessionId, phase }, to, OWNER);
      phase = to;
    },
    async storeSlice(count: number) {
      await db.query(
        `update sync_sessions set activities_listed = activities_listed + $2,
           activities_stored = activities_stored + $2 where id = $1`,
        [sessionId, count],
      );
    },
    async enrich(count: number) {
      await db.query(
        'update sync_sessions set activities_enriched = activities_enriched + $2 where id = $1',
        [sessionId, count],
      );
    },
    park: (resumeAt: Date) =>
      sessionStore.release(db, sessionId, OWNER, 'rate_limited', { resumeAt }),
    complete: () =>
      sessionStore.release(db, sessionId, OWNER, 'completed', { finishedAtMs: Date.now() }),
  };
}
