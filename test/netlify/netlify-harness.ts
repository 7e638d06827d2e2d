import type { Context } from '@netlify/functions';
import { Hono } from 'hono';
import { createSimulators } from '../../sim/index.ts';
import type { Database } from '../../src/store/database.ts';
import { createConnectionStore } from '../../src/strava/connection-store.ts';
import { createTokenCipher } from '../../src/strava/token-crypto.ts';
import { JWT_SECRET } from '../http/test-app.ts';
import { startServer, type TestServer } from '../sim/strava-helpers.ts';

// The handlers only pass the context through to the app; nothing here reads more of it.
export const context = { requestId: 'netlify-test' } as Context;

export const TOKEN_KEY = Buffer.alloc(32, 5);
export const WORKER_PATH = '/.netlify/functions/sync-worker-background';

/**
 * Stands in for the Netlify site the functions wake their worker at: records each wake-up (the
 * test then invokes the background function with it, as Netlify would) and answers 202, as
 * Netlify does for a background function.
 */
export interface WakeReceiver {
  origin: string;
  wakes: Headers[];
  /** The next wake-up not yet taken, as the Request Netlify would hand the function. */
  takeWake(): Request | undefined;
  close(): Promise<void>;
}

export async function startWakeReceiver(): Promise<WakeReceiver> {
  const wakes: Headers[] = [];
  let taken = 0;
  const app = new Hono().post(WORKER_PATH, (c) => {
    wakes.push(new Headers(c.req.raw.headers));
    return c.body(null, 202);
  });
  const server: TestServer = await startServer(app);
  return {
    origin: server.url,
    wakes,
    takeWake() {
      const headers = wakes[taken];
      if (!headers) return undefined;
      taken += 1;
      return new Request(`${server.url}${WORKER_PATH}`, { method: 'POST', headers });
    },
    close: () => server.close(),
  };
}

/** The four simulators over real HTTP, with one athlete; Strava as the functions will see it. */
export async function startSimulators(activityCount: number) {
  const sims = createSimulators({
    athletes: [{ seed: 'netlify-runner', activityCount, years: 1 }],
    // The functions pace Nominatim at its policy's one request a second; the simulator allows a
    // fifth of that, so timer jitter never trips it.
    nominatimMinIntervalMs: 200,
  });
  const server = await startServer(sims.app);
  const urls = sims.urls(server.url);
  const athleteId = [...sims.strava.athletes.keys()][0] as number;
  return {
    sims,
    urls,
    athleteId,
    /** The environment a Netlify site would have, pointed at `databaseUrl` and these simulators. */
    env(databaseUrl: string): Record<string, string> {
      return {
        DATABASE_URL: databaseUrl,
        SUPABASE_JWT_SECRET: JWT_SECRET,
        STRAVA_CLIENT_ID: sims.stravaApp.clientId,
        STRAVA_CLIENT_SECRET: sims.stravaApp.clientSecret,
        STRAVA_API_URL: urls.stravaApiUrl,
        STRAVA_OAUTH_URL: urls.stravaOauthUrl,
        OPEN_METEO_ARCHIVE_URL: urls.openMeteoArchiveUrl,
        // The functions' online geocoder, paced as above (the offline one has its own tests).
        PLACE_PROVIDER: 'nominatim',
        NOMINATIM_URL: urls.nominatimUrl,
        TOKEN_ENCRYPTION_KEY: TOKEN_KEY.toString('base64'),
        LOG_LEVEL: 'silent',
      };
    },
    /** Connects `userId` to the athlete as the OAuth callback would, under TOKEN_KEY. */
    async connect(db: Database, userId: string) {
      const scopes = ['read', 'activity:read_all'];
      const issued = sims.strava.issueTokens(athleteId, ['read', 'activity:read_all']);
      const store = createConnectionStore(createTokenCipher([{ version: 1, key: TOKEN_KEY }]));
      await store.saveTokens(
        db,
        userId,
        { ...issued },
        { athlete: { id: String(athleteId) }, scopes },
      );
    },
    async close() {
      await sims.close();
      await server.close();
    },
  };
}
