import {
  type ActivityDetailView,
  type ActivityListQuery,
  type ActivityPage,
  type ActivityStatsView,
  activityListQuery,
  type ConnectionView,
  disconnectQuery,
  type EstimateView,
  type LocalSessionView,
  type MeView,
  type SessionList,
  type SessionView,
  type StartableSyncKind,
  type StravaCallbackBody,
  type SyncTimeline,
  startSyncBody,
  stravaCallbackBody,
  syncListQuery,
} from '../api/contract.ts';
import { ApiError } from './api-error.ts';
import { checkInput } from './check-input.ts';
import {
  type ProgressSubscription,
  type SubscribeOptions,
  subscribeProgress,
} from './progress-subscription.ts';
import { createSendRequest, jsonOf } from './send-request.ts';

export { ApiError } from './api-error.ts';
export type {
  ProgressSubscription,
  ProgressTransport,
  SubscribeOptions,
} from './progress-subscription.ts';
export type { RealtimeSource } from './realtime.ts';

/**
 * The typed client of the stridesync API, for the dashboard or any app, in a browser or Node 20:
 * it uses only fetch, URL, AbortController, TextDecoder and ReadableStream. Every failure is an
 * ApiError whose message and hint can be shown as they are.
 */
export interface ApiClientOptions {
  /** The API's origin; '' (default) is the page's own origin. */
  baseUrl?: string;
  /** The bearer token for each request: Supabase's session access_token, or the local demo token. */
  getAccessToken: () => Promise<string | null>;
  fetch?: typeof fetch;
}

export interface ApiClient {
  me(): Promise<MeView>;
  connection(): Promise<ConnectionView>;
  /** Strava's authorize URL (GET /api/strava/connect with Accept: application/json); the page navigates to it. */
  connectUrl(): Promise<string>;
  /**
   * Finishes connecting (POST /api/strava/callback) with what Strava put on the page's address
   * when it sent the runner back: the state, and the code and granted scope or the error.
   * Resolves with the connection; Strava's refusal or a state not this user's is an ApiError.
   */
  completeConnect(body: StravaCallbackBody): Promise<ConnectionView>;
  disconnect(options?: {
    purge?: boolean;
  }): Promise<{ disconnected: true; purgedActivities: number }>;
  estimate(): Promise<EstimateView>;
  /** `created` is false when a sync was already active: that one is returned, none is queued. */
  startSync(kind?: StartableSyncKind): Promise<{ session: SessionView; created: boolean }>;
  listSyncs(limit?: number): Promise<SessionView[]>;
  getSync(id: string): Promise<SessionView>;
  /** The session's timeline, oldest first (GET /api/syncs/:id/timeline). */
  syncTimeline(id: string): Promise<SyncTimeline['items']>;
  cancelSync(id: string): Promise<SessionView>;
  activities(query?: ActivityListQuery): Promise<ActivityPage>;
  /** One run of the runner's (GET /api/activities/:id); another runner's is a 404 ApiError. */
  activity(id: string): Promise<ActivityDetailView>;
  activityStats(): Promise<ActivityStatsView>;
  /** Live progress of one session: see progress-subscription.ts and docs/client.md. */
  subscribeProgress(
    sessionId: string,
    onUpdate: (session: SessionView) => void,
    options?: SubscribeOptions,
  ): ProgressSubscription;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const send = createSendRequest(options);
  const get = async <T>(path: string, query?: Record<string, string | number | undefined>) =>
    jsonOf<T>(await send(path, query ? { query } : {}));
  const syncPath = (id: string) => `/api/syncs/${encodeURIComponent(id)}`;
  // The user's id names their Realtime topic; asked once, asked again after a failure.
  let me: Promise<MeView> | undefined;
  const meOnce = () => {
    me ??= get<MeView>('/api/me').catch((error: unknown) => {
      me = undefined;
      throw error;
    });
    return me;
  };

  const client: ApiClient = {
    me: () => get('/api/me'),
    connection: () => get('/api/strava/connection'),
    async connectUrl() {
      const response = await send('/api/strava/connect', { accept: 'application/json' });
      return (await jsonOf<{ url: string }>(response)).url;
    },
    async completeConnect(callback) {
      const body = checkInput(stravaCallbackBody, callback, 'body');
      return jsonOf(await send('/api/strava/callback', { method: 'POST', body }));
    },
    async disconnect({ purge = false } = {}) {
      const query = checkInput(disconnectQuery, { purge: String(purge) }, 'query');
      return jsonOf(await send('/api/strava/connection', { method: 'DELETE', query }));
    },
    estimate: () => get('/api/estimate'),
    async startSync(kind) {
      const body = checkInput(startSyncBody, kind === undefined ? {} : { kind }, 'body');
      const response = await send('/api/syncs', { method: 'POST', body });
      return { session: await jsonOf<SessionView>(response), created: response.status === 202 };
    },
    async listSyncs(limit) {
      const query = checkInput(syncListQuery, limit === undefined ? {} : { limit }, 'query');
      return (await get<SessionList>('/api/syncs', query)).items;
    },
    getSync: (id) => get(syncPath(id)),
    syncTimeline: async (id) => (await get<SyncTimeline>(`${syncPath(id)}/timeline`)).items,
    async cancelSync(id) {
      return jsonOf(await send(`${syncPath(id)}/cancel`, { method: 'POST' }));
    },
    // async, so a refused input is a rejection like any other failure, never a throw.
    activities: async (query = {}) =>
      get('/api/activities', checkInput(activityListQuery, query, 'query')),
    activity: (id) => get(`/api/activities/${encodeURIComponent(id)}`),
    activityStats: () => get('/api/activities/stats'),
    subscribeProgress: (sessionId, onUpdate, subscribeOptions) =>
      subscribeProgress(
        {
          getSync: client.getSync,
          openEvents: (id, signal) =>
            send(`${syncPath(id)}/events`, { accept: 'text/event-stream', signal }),
          userId: async () => (await meOnce()).id,
        },
        sessionId,
        onUpdate,
        subscribeOptions,
      ),
  };
  return client;
}

/** The local install's token for its one user (GET /api/local/session, no auth); null when the server has none (404). */
export async function fetchLocalSession(options: {
  baseUrl?: string;
  fetch?: typeof fetch;
}): Promise<LocalSessionView | null> {
  const send = createSendRequest(options);
  try {
    return await jsonOf<LocalSessionView>(await send('/api/local/session', { auth: false }));
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}
