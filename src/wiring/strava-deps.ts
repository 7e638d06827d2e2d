import type { ApiLedger } from '../budget/api-ledger.ts';
import type { Clock } from '../core/clock.ts';
import type { CallObserver } from '../net/resilient-fetch.ts';
import type { Logger } from '../observability/logger.ts';
import type { Database } from '../store/database.ts';
import { createConnectionStore } from '../strava/connection-store.ts';
import { createOAuthStates } from '../strava/oauth-state.ts';
import { createStravaClient } from '../strava/strava-client.ts';
import type { StravaDeps } from '../strava/strava-deps.ts';
import type { TokenCipher } from '../strava/token-crypto.ts';
import { createTokenManager } from '../strava/token-manager.ts';

export interface StravaEndpoints {
  apiUrl: string;
  oauthUrl: string;
  clientId: string;
  clientSecret: string;
}

/** The Strava client, connection store, token manager and OAuth states, wired together. */
export function createStravaDeps(o: {
  db: Database;
  clock: Clock;
  ledger: ApiLedger;
  endpoints: StravaEndpoints;
  tokenCipher: TokenCipher;
  /** Signs OAuth states: the JWT secret (Supabase's, or the local install's). */
  serverSecret: string;
  publicUrl: string;
  athleteLimit?: number;
  logger: Logger;
  /** Records every call to Strava for health and metrics. */
  observer?: CallObserver;
}): StravaDeps {
  const client = createStravaClient({
    ...o.endpoints,
    ledger: o.ledger,
    clock: o.clock,
    ...(o.observer ? { http: { observer: o.observer } } : {}),
  });
  const store = createConnectionStore(o.tokenCipher);
  return {
    client,
    store,
    tokens: createTokenManager({
      db: o.db,
      store,
      strava: client,
      clock: o.clock,
      logger: o.logger,
    }),
    states: createOAuthStates(o.serverSecret, o.clock),
    oauthUrl: o.endpoints.oauthUrl,
    clientId: o.endpoints.clientId,
    publicUrl: o.publicUrl,
    ...(o.athleteLimit ? { athleteLimit: o.athleteLimit } : {}),
  };
}
