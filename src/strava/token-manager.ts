import type { Clock } from '../core/clock.ts';
import { AppError } from '../core/errors.ts';
import type { Database } from '../store/database.ts';
import { type ConnectionStore, reconnectRequired } from './connection-store.ts';
import type { StravaClient } from './strava-client.ts';

/** Refresh when less than this is left: Strava returns the same token above one hour anyway. */
export const REFRESH_MARGIN_MS = 60 * 60 * 1000;

/**
 * Hands out valid Strava access tokens. Strava rotates the refresh token on refresh and the old
 * one stops working at once, so two workers refreshing together would leave one holding a dead
 * token — and lose the user. Therefore a refresh happens only under the connection's row lock,
 * re-checked after taking it (another worker may just have refreshed), and the rotated tokens
 * are committed before the new access token is handed to anyone.
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

export function createTokenManager(deps: {
  db: Database;
  store: ConnectionStore;
  strava: StravaClient;
  clock: Clock;
}): TokenManager {
  const { db, store, strava, clock } = deps;
  const isFresh = (expiresAt: Date) => expiresAt.getTime() - clock.now() > REFRESH_MARGIN_MS;

  /** Refreshes unless the stored token is fresh and is not the one Strava just refused. */
  function refreshUnder(userId: string, refused?: string): Promise<string> {
    return db
      .withTransaction(async (tx) => {
        const connection = await store.load(tx, userId, { forUpdate: true });
        if (
          refused === undefined ? isFresh(connection.expiresAt) : connection.accessToken !== refused
        ) {
          return connection.accessToken;
        }
        try {
          const tokens = await strava.refreshToken(connection.refreshToken);
          // Order matters: the rotated refresh token is committed with this transaction before the
          // access token leaves it; the old refresh token is already dead at Strava.
          await store.saveTokens(tx, userId, tokens);
          return tokens.access_token;
        } catch (error) {
          if (error instanceof AppError && error.code === 'strava_reconnect_required') {
            await store.revoke(tx, userId, 'refresh token refused by Strava');
            return { revoked: reconnectRequired(error.message) } as const;
          }
          throw error;
        }
      })
      .then((result) => {
        if (typeof result === 'string') return result;
        throw result.revoked;
      });
  }

  return {
    async getValidAccessToken(userId) {
      const connection = await store.load(db, userId);
      if (isFresh(connection.expiresAt)) return connection.accessToken;
      return refreshUnder(userId);
    },
    async withAccessToken(userId, fn) {
      const token = await this.getValidAccessToken(userId);
      try {
        return await fn(token);
      } catch (error) {
        if (!(error instanceof AppError) || error.code !== 'strava_token_refused') throw error;
      }
      const renewed = await refreshUnder(userId, token);
      try {
        return await fn(renewed);
      } catch (error) {
        if (!(error instanceof AppError) || error.code !== 'strava_token_refused') throw error;
        await store.revoke(db, userId, 'access token refused by Strava after a refresh');
        throw reconnectRequired('Strava refused a freshly refreshed token');
      }
    },
  };
}
