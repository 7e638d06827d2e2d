import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { AppError, TransientError } from '../core/errors.ts';
import type { Logger } from '../observability/logger.ts';
import type { Database } from '../store/database.ts';
import { type Connection, type ConnectionStore, reconnectRequired } from './connection-store.ts';
import type { StravaClient } from './strava-client.ts';
import type { StravaTokenResponse } from './strava-schemas.ts';

/** Refresh when less than this is left: Strava returns the same token above one hour anyway. */
export const REFRESH_MARGIN_MS = 60 * 60 * 1000;
/**
 * How long a refresh lease holds when its owner never gives it back (a crashed worker). Far
 * above one refresh call (sent once, 15 s timeout), so a slow refresh never loses its lease.
 */
export const REFRESH_LEASE_MS = 2 * 60 * 1000;
/**
 * How long a caller waits for another worker's refresh before giving up for now, in real time
 * (the lease runs on the database's clock; the app's clock may be a test's manual one).
 */
export const REFRESH_WAIT_MS = 30 * 1000;
const WAIT_POLL_MS = 100;
/** Tries at committing refreshed tokens when the database connection drops. */
const SAVE_ATTEMPTS = 3;

/**
 * Hands out valid Strava access tokens. Strava rotates the refresh token on refresh and the old
 * one stops working at once, so the answer to a refresh must never be lost:
 * - single flight: one worker refreshes a connection at a time, under a lease on its row
 *   (`refresh_owner`, `refresh_until`), not a row lock: no transaction is open while Strava
 *   is called. Others wait for the lease to end and read what the holder stored;
 * - the rotated tokens are committed in their own short transaction the moment they arrive
 *   (again if the database connection drops meanwhile);
 * - the refresh is sent once, never retried (strava-client.ts): a lost or unreadable answer
 *   fails the caller transiently, and the stored access token goes on being used;
 * - a refused refresh revokes the connection only when Strava refuses the stored access token
 *   too; while that one works (the refresh whose answer was lost had rotated the refresh
 *   token), the connection keeps working until the access token expires.
 */
export interface TokenManager {
  /** A token with at least an hour left (or the current one when Strava keeps it). */
  getValidAccessToken(userId: string): Promise<string>;
  /**
   * Runs `fn` with a valid token. When Strava refuses the token (401), refreshes once and runs
   * `fn` again; a second refusal revokes the connection: "Reconnect Strava".
   */
  withAccessToken<T>(userId: string, fn: (accessToken: string) => Promise<T>): Promise<T>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const isRefusal = (error: unknown, code: string) =>
  error instanceof AppError && error.code === code;

export function createTokenManager(deps: {
  db: Database;
  store: ConnectionStore;
  strava: StravaClient;
  clock: Clock;
  logger: Logger;
}): TokenManager {
  const { db, store, strava, clock } = deps;
  const logger = deps.logger.child({ component: 'strava-tokens' });
  /**
   * Refresh tokens Strava refused while their access token still worked, by user: that access
   * token is handed out until it expires instead of asking Strava again on every call.
   */
  const refusedRefresh = new Map<string, string>();

  /** The stored token will do: fresh, or not the one Strava just refused. */
  function usable(connection: Connection, refused?: string): boolean {
    if (refused !== undefined) return connection.accessToken !== refused;
    if (connection.expiresAt.getTime() - clock.now() > REFRESH_MARGIN_MS) return true;
    return (
      refusedRefresh.get(connection.userId) === connection.refreshToken &&
      connection.expiresAt.getTime() > clock.now()
    );
  }

  /** A usable token: refreshed by this caller under the lease, or by the lease's holder. */
  async function refresh(userId: string, refused?: string): Promise<string> {
    const owner = randomUUID();
    const giveUpAt = Date.now() + REFRESH_WAIT_MS;
    for (;;) {
      const claimed = await store.claimRefresh(db, userId, owner, REFRESH_LEASE_MS);
      if (claimed) return refreshHolding(claimed, owner, refused);
      // Another worker is refreshing: wait for what it stores instead of refreshing too.
      await sleep(WAIT_POLL_MS);
      const connection = await store.load(db, userId);
      if (usable(connection, refused)) return connection.accessToken;
      if (Date.now() > giveUpAt) {
        throw new TransientError({
          code: 'strava_refresh_busy',
          userMessage: 'stridesync is still renewing its access to Strava.',
          hint: 'It is retried automatically in a moment; nothing is lost.',
          detail: `refresh lease of ${userId} still held after ${REFRESH_WAIT_MS} ms`,
        });
      }
    }
  }

  async function refreshHolding(
    connection: Connection,
    owner: string,
    refused: string | undefined,
  ): Promise<string> {
    const { userId } = connection;
    try {
      // Re-checked under the lease: the previous holder may just have stored fresh tokens.
      if (usable(connection, refused)) return connection.accessToken;
      let tokens: StravaTokenResponse;
      try {
        tokens = await strava.refreshToken(connection.refreshToken);
      } catch (error) {
        if (isRefusal(error, 'strava_reconnect_required')) {
          return await confirmRefusal(connection, error as AppError);
        }
        if (error instanceof TransientError && error.code !== 'upstream_circuit_open') {
          logger.warn(
            { userId, code: error.code, accessTokenExpiresAt: connection.expiresAt },
            'token refresh answer lost: Strava may have rotated the refresh token; the stored access token stays in use while it works',
          );
        }
        throw error;
      }
      await commit(connection, tokens);
      return tokens.access_token;
    } finally {
      await store.releaseRefresh(db, userId, owner).catch((error: unknown) => {
        logger.warn({ userId, err: error }, 'refresh lease not released: it lapses by itself');
      });
    }
  }

  /** Stores the refreshed tokens in their own short transaction, unless they are superseded. */
  async function commit(presented: Connection, tokens: StravaTokenResponse): Promise<void> {
    const { userId } = presented;
    for (let attempt = 1; ; attempt++) {
      try {
        const stored = await db.withTransaction(async (tx) => {
          const current = await store.load(tx, userId, { forUpdate: true });
          // A reconnect replaced the refresh token while Strava answered: ours is of the old grant.
          if (
            current.refreshToken !== presented.refreshToken &&
            current.refreshToken !== tokens.refresh_token
          ) {
            return false;
          }
          await store.saveRefreshed(tx, userId, tokens);
          return true;
        });
        if (!stored) logger.warn({ userId }, 'refreshed tokens dropped: Strava was reconnected');
        return;
      } catch (error) {
        if (!(error instanceof TransientError) || attempt >= SAVE_ATTEMPTS) {
          logger.error(
            { userId, err: error, attempt },
            'refreshed tokens not stored: the rotated refresh token is lost',
          );
          throw error;
        }
        logger.warn({ userId, code: error.code, attempt }, 'storing refreshed tokens again');
        await sleep(100 * attempt);
      }
    }
  }

  /**
   * Strava refused the refresh token. Before revoking: another worker may have stored newer
   * tokens meanwhile, and a refresh whose answer was lost leaves the access token working.
   * Revokes only when Strava refuses that too.
   */
  async function confirmRefusal(presented: Connection, refusal: AppError): Promise<string> {
    const { userId } = presented;
    const current = await store.load(db, userId);
    if (current.refreshToken !== presented.refreshToken) return current.accessToken;
    try {
      await strava.getAthlete(current.accessToken);
    } catch (error) {
      if (!isRefusal(error, 'strava_token_refused')) throw error;
      await store.revoke(db, userId, 'refresh token refused by Strava');
      logger.warn({ userId, detail: refusal.message }, 'Strava refused both tokens: revoked');
      throw reconnectRequired(refusal.message);
    }
    refusedRefresh.set(userId, current.refreshToken);
    logger.warn(
      { userId, accessTokenExpiresAt: current.expiresAt },
      'Strava refused the refresh token but the access token still works (a rotated refresh token was lost): the connection works until that token expires, then needs a reconnect',
    );
    return current.accessToken;
  }

  return {
    async getValidAccessToken(userId) {
      const connection = await store.load(db, userId);
      if (usable(connection)) return connection.accessToken;
      return refresh(userId);
    },
    async withAccessToken(userId, fn) {
      const token = await this.getValidAccessToken(userId);
      try {
        return await fn(token);
      } catch (error) {
        if (!isRefusal(error, 'strava_token_refused')) throw error;
      }
      const renewed = await refresh(userId, token);
      try {
        return await fn(renewed);
      } catch (error) {
        if (!isRefusal(error, 'strava_token_refused')) throw error;
        await store.revoke(db, userId, 'access token refused by Strava after a refresh');
        throw reconnectRequired('Strava refused a freshly refreshed token');
      }
    },
  };
}
