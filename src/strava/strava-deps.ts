import type { ConnectionStore } from './connection-store.ts';
import type { OAuthStates } from './oauth-state.ts';
import type { StravaClient } from './strava-client.ts';
import type { TokenManager } from './token-manager.ts';

/** What the Strava routes need beyond the app's database and verifier. */
export interface StravaDeps {
  client: StravaClient;
  tokens: TokenManager;
  store: ConnectionStore;
  states: OAuthStates;
  oauthUrl: string;
  clientId: string;
  /** Where users reach the app (PUBLIC_URL): the dashboard there is where Strava sends them back. */
  publicUrl: string;
  /** STRAVA_ATHLETE_LIMIT: with this many athletes connected, a new connect is refused here. */
  athleteLimit?: number;
}
