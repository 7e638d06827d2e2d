import { randomBytes } from 'node:crypto';
import { createStravaSimulator, type StravaSimulator } from '../../sim/strava/index.ts';
import { createApiLedger } from '../../src/budget/api-ledger.ts';
import { type Clock, createManualClock, type ManualClock } from '../../src/core/clock.ts';
import { createLogger, type Logger } from '../../src/observability/logger.ts';
import type { Database } from '../../src/store/database.ts';
import { createConnectionStore } from '../../src/strava/connection-store.ts';
import { createOAuthStates } from '../../src/strava/oauth-state.ts';
import { createStravaClient, type StravaClient } from '../../src/strava/strava-client.ts';
import type { StravaDeps } from '../../src/strava/strava-deps.ts';
import { createTokenCipher } from '../../src/strava/token-crypto.ts';
import { createTokenManager } from '../../src/strava/token-manager.ts';
import { startServer, type TestServer } from '../sim/strava-helpers.ts';

export type { StravaSimulator };

/**
 * The Strava simulator over real HTTP, and the real client, ledger, store and token manager
 * wired to it and to `db`, on one manual clock.
 */
export interface StravaHarness {
  sim: StravaSimulator;
  server: TestServer;
  clock: ManualClock;
  client: StravaClient;
  store: ReturnType<typeof createConnectionStore>;
  tokens: ReturnType<typeof createTokenManager>;
  athleteId: string;
  apiUrl: string;
  oauthUrl: string;
  /** Connects `userId` to the athlete the way the callback would, tokens issued by the sim. */
  connect(userId: string, scopes?: string[]): Promise<void>;
  /** What `createApp({ strava })` takes, over this simulator: the connect routes' parts. */
  routeDeps(o: { jwtSecret: string; publicUrl: string }): StravaDeps;
  close(): Promise<void>;
}

export async function startStravaHarness(
  db: Database,
  options: {
    activityCount?: number;
    clock?: ManualClock;
    /** The token manager's logger (silent by default). */
    logger?: Logger;
    sim?: Parameters<typeof createStravaSimulator>[0];
  } = {},
): Promise<StravaHarness> {
  const clock = options.clock ?? createManualClock('2026-03-10T12:00:00Z');
  const sim = createStravaSimulator({
    clock,
    athletes: [{ seed: 'harness-runner', activityCount: options.activityCount ?? 120, years: 2 }],
    ...options.sim,
  });
  const server = await startServer(sim.app);
  const apiUrl = `${server.url}/api/v3`;
  const oauthUrl = `${server.url}/oauth`;
  const client = createStravaClient({
    apiUrl,
    oauthUrl,
    clientId: sim.defaultApp.clientId,
    clientSecret: sim.defaultApp.clientSecret,
    ledger: createApiLedger(db, clock),
    clock,
    http: { sleep: async () => {}, timeoutMs: 2_000 },
  });
  const store = createConnectionStore(createTokenCipher([{ version: 1, key: randomBytes(32) }]));
  const tokens = createTokenManager({
    db,
    store,
    strava: client,
    clock: clock as Clock,
    logger: options.logger ?? createLogger('silent'),
  });
  const athleteId = String([...sim.athletes.keys()][0]);
  return {
    sim,
    server,
    clock,
    client,
    store,
    tokens,
    athleteId,
    apiUrl,
    oauthUrl,
    async connect(userId, scopes = ['read', 'activity:read_all']) {
      const issued = sim.issueTokens(
        Number(athleteId),
        scopes as Parameters<StravaSimulator['issueTokens']>[1],
      );
      await store.saveTokens(db, userId, { ...issued }, { athlete: { id: athleteId }, scopes });
    },
    routeDeps: ({ jwtSecret, publicUrl }) => ({
      client,
      tokens,
      store,
      states: createOAuthStates(jwtSecret, clock),
      oauthUrl,
      clientId: sim.defaultApp.clientId,
      publicUrl,
    }),
    async close() {
      await sim.close();
      await server.close();
    },
  };
}
