import { randomBytes } from 'node:crypto';
import type { Clock } from '../../src/core/clock.ts';
import type { Scope } from './types.ts';

/**
 * Authorization codes, access and refresh tokens, with Strava's documented rules:
 * - an access token lives 6 hours;
 * - a refresh while the current access token has more than 1 hour left returns that same
 *   token (with the seconds it has left); otherwise a new one;
 * - when a new refresh token is returned the old one stops working at once;
 * - an authorization code works once.
 * Assumptions where Strava says nothing: a code expires after 10 minutes; a superseded access
 * token keeps working until it expires; a new authorization of the same athlete and app
 * invalidates the previous refresh token; when Strava returns a new refresh token is not
 * documented, so the `rotation` knob chooses (default: with every new access token).
 */
export const ACCESS_TOKEN_LIFETIME_S = 6 * 3600;
export const SAME_TOKEN_MIN_REMAINING_S = 3600;
export const CODE_LIFETIME_S = 600;

export type RefreshRotation = 'with-new-access-token' | 'never' | 'always';

export interface TokenSet {
  token_type: 'Bearer';
  access_token: string;
  refresh_token: string;
  /** Epoch seconds. */
  expires_at: number;
  /** Seconds from now. */
  expires_in: number;
  /** Not in Strava's token response; returned by `issueTokens` for convenience. */
  scopes: Scope[];
  athleteId: number;
}

export interface AccessToken {
  token: string;
  athleteId: number;
  clientId: string;
  scopes: Scope[];
  expiresAtMs: number;
  revoked: boolean;
}

interface Grant {
  athleteId: number;
  clientId: string;
  scopes: Scope[];
  refreshToken: string;
  current: AccessToken;
}

export type AccessLookup =
  | { status: 'valid'; token: AccessToken }
  | { status: 'expired' | 'revoked'; token: AccessToken }
  | { status: 'unknown' };

export interface TokenStore {
  issueCode(athleteId: number, clientId: string, scopes: Scope[]): string;
  /** undefined: unknown, expired, used, or another app's code. */
  exchangeCode(code: string, clientId: string): TokenSet | undefined;
  /** undefined: unknown or superseded refresh token, or another app's. */
  refresh(refreshToken: string, clientId: string): TokenSet | undefined;
  /** A fresh authorization, as if the athlete had just approved the app. */
  authorize(athleteId: number, clientId: string, scopes: Scope[]): TokenSet;
  lookup(accessToken: string): AccessLookup;
  /** Revokes every token of the athlete for the app; false when there was no authorization. */
  revoke(athleteId: number, clientId: string): boolean;
  /** Kills one access token only (refresh still works). */
  revokeAccessToken(accessToken: string): void;
  /** The athlete's live authorization of the app, if any. */
  grantOf(athleteId: number, clientId: string): { scopes: Scope[] } | undefined;
  grants(): { athleteId: number; clientId: string; scopes: Scope[] }[];
  rotation: RefreshRotation;
  clear(): void;
}

export function createTokenStore(
  clock: Clock,
  rotation: RefreshRotation = 'with-new-access-token',
): TokenStore {
  const codes = new Map<
    string,
    { athleteId: number; clientId: string; scopes: Scope[]; expiresAtMs: number }
  >();
  const accessTokens = new Map<string, AccessToken>();
  const grantsByRefresh = new Map<string, Grant>();
  const grantsByPair = new Map<string, Grant>();
  const pairKey = (athleteId: number, clientId: string) => `${clientId}:${athleteId}`;

  const newAccessToken = (grant: Pick<Grant, 'athleteId' | 'clientId' | 'scopes'>): AccessToken => {
    const token: AccessToken = {
      token: hex40(),
      athleteId: grant.athleteId,
      clientId: grant.clientId,
      scopes: grant.scopes,
      expiresAtMs: clock.now() + ACCESS_TOKEN_LIFETIME_S * 1000,
      revoked: false,
    };
    accessTokens.set(token.token, token);
    return token;
  };
  const tokenSet = (grant: Grant): TokenSet => {
    const nowS = Math.floor(clock.now() / 1000);
    const expiresAt = Math.floor(grant.current.expiresAtMs / 1000);
    return {
      token_type: 'Bearer',
      access_token: grant.current.token,
      refresh_token: grant.refreshToken,
      expires_at: expiresAt,
      expires_in: expiresAt - nowS,
      scopes: grant.scopes,
      athleteId: grant.athleteId,
    };
  };
  const rotateRefreshToken = (grant: Grant) => {
    grantsByRefresh.delete(grant.refreshToken); // the old one dies now, not later
    grant.refreshToken = hex40();
    grantsByRefresh.set(grant.refreshToken, grant);
  };

  const store: TokenStore = {
    rotation,
    issueCode(athleteId, clientId, scopes) {
      const code = hex40();
      codes.set(code, {
        athleteId,
        clientId,
        scopes,
        expiresAtMs: clock.now() + CODE_LIFETIME_S * 1000,
      });
      return code;
    },
    exchangeCode(code, clientId) {
      const entry = codes.get(code);
      if (!entry || entry.clientId !== clientId) return undefined;
      codes.delete(code); // single use, whatever happens next
      if (entry.expiresAtMs <= clock.now()) return undefined;
      return store.authorize(entry.athleteId, entry.clientId, entry.scopes);
    },
    refresh(refreshToken, clientId) {
      const grant = grantsByRefresh.get(refreshToken);
      if (!grant || grant.clientId !== clientId) return undefined;
      const remainingMs = grant.current.expiresAtMs - clock.now();
      const reuse = !grant.current.revoked && remainingMs > SAME_TOKEN_MIN_REMAINING_S * 1000;
      if (!reuse) grant.current = newAccessToken(grant);
      if (store.rotation === 'always' || (!reuse && store.rotation === 'with-new-access-token')) {
        rotateRefreshToken(grant);
      }
      return tokenSet(grant);
    },
    authorize(athleteId, clientId, scopes) {
      const key = pairKey(athleteId, clientId);
      const previous = grantsByPair.get(key);
      if (previous) grantsByRefresh.delete(previous.refreshToken);
      const grant: Grant = {
        athleteId,
        clientId,
        scopes,
        refreshToken: hex40(),
        current: newAccessToken({ athleteId, clientId, scopes }),
      };
      grantsByPair.set(key, grant);
      grantsByRefresh.set(grant.refreshToken, grant);
      return tokenSet(grant);
    },
    lookup(accessToken) {
      const token = accessTokens.get(accessToken);
      if (!token) return { status: 'unknown' };
      if (token.revoked) return { status: 'revoked', token };
      if (token.expiresAtMs <= clock.now()) return { status: 'expired', token };
      return { status: 'valid', token };
    },
    revoke(athleteId, clientId) {
      const grant = grantsByPair.get(pairKey(athleteId, clientId));
      for (const token of accessTokens.values()) {
        if (token.athleteId === athleteId && token.clientId === clientId) token.revoked = true;
      }
      if (!grant) return false;
      grantsByPair.delete(pairKey(athleteId, clientId));
      grantsByRefresh.delete(grant.refreshToken);
      return true;
    },
    revokeAccessToken(accessToken) {
      const token = accessTokens.get(accessToken);
      if (token) token.revoked = true;
    },
    grantOf(athleteId, clientId) {
      const grant = grantsByPair.get(pairKey(athleteId, clientId));
      return grant ? { scopes: grant.scopes } : undefined;
    },
    grants() {
      return [...grantsByPair.values()].map(({ athleteId, clientId, scopes }) => ({
        athleteId,
        clientId,
        scopes,
      }));
    },
    clear() {
      codes.clear();
      accessTokens.clear();
      grantsByRefresh.clear();
      grantsByPair.clear();
    },
  };
  return store;
}

/** 40 hex characters, like Strava's tokens and codes. Random, never reused across resets. */
function hex40(): string {
  return randomBytes(20).toString('hex');
}
