import { ConfigError } from '../core/errors.ts';
import type { Queryable } from '../store/database.ts';
import type { StravaAthlete, StravaTokenResponse } from './strava-schemas.ts';
import type { TokenCipher } from './token-crypto.ts';

/**
 * `strava_connections` rows, with tokens sealed on the way in and opened on the way out. The
 * associated data ties each ciphertext to its user and column (`<user>:access`), so a ciphertext
 * copied to another row or column does not open.
 */
export interface Connection {
  userId: string;
  athleteId: string;
  scopes: string[];
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
  keyVersion: number;
}

interface ConnectionRow {
  user_id: string;
  athlete_id: string;
  scopes: string[];
  access_token_enc: string | null;
  refresh_token_enc: string | null;
  token_key_version: number | null;
  expires_at: Date | null;
  revoked_at: Date | null;
  revoked_reason: string | null;
}

const COLUMNS = `user_id, athlete_id, scopes, access_token_enc, refresh_token_enc, token_key_version,
  expires_at, revoked_at, revoked_reason`;

export const reconnectRequired = (detail: string) =>
  new ConfigError({
    code: 'strava_reconnect_required',
    userMessage:
      'Reconnect Strava: stridesync’s access to your Strava account was revoked or has expired.',
    hint: 'Connect Strava again from the dashboard; your stored runs are kept.',
    detail,
  });

/**
 * The revoke reason of a runner's own disconnect: to them that is simply "not connected", unlike
 * access Strava ended, which needs a reconnect.
 */
export const DISCONNECTED_BY_USER = 'disconnected by the user';

export const notConnected = () =>
  new ConfigError({
    code: 'strava_not_connected',
    userMessage: 'Strava is not connected yet.',
    hint: 'Connect Strava from the dashboard to sync your runs.',
  });

export function createConnectionStore(cipher: TokenCipher) {
  const context = (userId: string, column: 'access' | 'refresh') => `${userId}:${column}`;

  function open(row: ConnectionRow): Connection {
    if (row.revoked_at || !row.access_token_enc || !row.refresh_token_enc || !row.expires_at) {
      throw reconnectRequired(`connection revoked: ${row.revoked_reason ?? 'unknown reason'}`);
    }
    const keyVersion = row.token_key_version ?? 0;
    return {
      userId: row.user_id,
      athleteId: row.athlete_id,
      scopes: row.scopes,
      accessToken: cipher.open(
        { ciphertext: row.access_token_enc, keyVersion },
        context(row.user_id, 'access'),
      ),
      refreshToken: cipher.open(
        { ciphertext: row.refresh_token_enc, keyVersion },
        context(row.user_id, 'refresh'),
      ),
      expiresAt: row.expires_at,
      keyVersion,
    };
  }

  const seal = (userId: string, tokens: StravaTokenResponse) => {
    const access = cipher.seal(tokens.access_token, context(userId, 'access'));
    const refresh = cipher.seal(tokens.refresh_token, context(userId, 'refresh'));
    const expiresAt = new Date(tokens.expires_at * 1000).toISOString();
    return { access, refresh, expiresAt };
  };

  return {
    /**
     * The user's live connection; `forUpdate` locks the row until the transaction ends (only
     * ever a short one: never hold it across a call to Strava).
     */
    async load(db: Queryable, userId: string, { forUpdate = false } = {}): Promise<Connection> {
      const { rows } = await db.query<ConnectionRow>(
        `select ${COLUMNS} from strava_connections where user_id = $1 ${forUpdate ? 'for update' : ''}`,
        [userId],
      );
      const row = rows[0];
      if (!row) throw notConnected();
      return open(row);
    },

    /**
     * Takes the refresh lease of a live connection for `leaseMs` (database time) when nobody
     * holds it or its holder's lapsed; returns the connection as it is now, or undefined when
     * another worker holds the lease (or the connection is gone: `load` says which).
     */
    async claimRefresh(
      db: Queryable,
      userId: string,
      owner: string,
      leaseMs: number,
    ): Promise<Connection | undefined> {
      const { rows } = await db.query<ConnectionRow>(
        `update strava_connections
         set refresh_owner = $2, refresh_until = now() + $3 * interval '1 millisecond'
         where user_id = $1 and revoked_at is null
           and (refresh_owner is null or refresh_until < now())
         returning ${COLUMNS}`,
        [userId, owner, leaseMs],
      );
      return rows[0] && open(rows[0]);
    },

    /** Gives the refresh lease back, if `owner` still holds it. */
    async releaseRefresh(db: Queryable, userId: string, owner: string): Promise<void> {
      await db.query(
        `update strava_connections set refresh_owner = null, refresh_until = null
         where user_id = $1 and refresh_owner = $2`,
        [userId, owner],
      );
    },

    /**
     * Stores refreshed tokens (sealed with the newest key) on a live connection and ends the
     * refresh lease: waiting workers read them. The caller has checked, under the row lock, that
     * they supersede the stored ones.
     */
    async saveRefreshed(db: Queryable, userId: string, tokens: StravaTokenResponse): Promise<void> {
      const { access, refresh, expiresAt } = seal(userId, tokens);
      const updated = await db.query(
        `update strava_connections
         set access_token_enc = $2, refresh_token_enc = $3, token_key_version = $4, expires_at = $5,
             refresh_owner = null, refresh_until = null
         where user_id = $1 and revoked_at is null`,
        [userId, access.ciphertext, refresh.ciphertext, access.keyVersion, expiresAt],
      );
      if (updated.rowCount === 0) throw reconnectRequired('connection revoked while refreshing');
    },

    /** Stores the tokens of a new authorization (sealed with the newest key); clears any revocation. */
    async saveTokens(
      db: Queryable,
      userId: string,
      tokens: StravaTokenResponse,
      connect: { athlete: StravaAthlete; scopes: string[] },
    ): Promise<void> {
      const { access, refresh, expiresAt } = seal(userId, tokens);
      const taken = await db.query(
        'select 1 from strava_connections where athlete_id = $1 and user_id <> $2 and revoked_at is null',
        [connect.athlete.id, userId],
      );
      if (taken.rowCount > 0) {
        throw new ConfigError({
          code: 'strava_athlete_taken',
          userMessage: 'This Strava account is already connected to another stridesync user.',
          hint: 'Sign in as that user, or disconnect Strava there first.',
        });
      }
      const { firstname, lastname, username, profile, city, state, country } = connect.athlete;
      const { measurement_preference } = connect.athlete;
      await db.query(`delete from strava_connections where athlete_id = $1 and user_id <> $2`, [
        connect.athlete.id,
        userId,
      ]);
      await db.query(
        `insert into strava_connections (user_id, athlete_id, scopes, access_token_enc, refresh_token_enc,
           token_key_version, expires_at, athlete, connected_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, now())
         on conflict (user_id) do update set athlete_id = excluded.athlete_id, scopes = excluded.scopes,
           access_token_enc = excluded.access_token_enc, refresh_token_enc = excluded.refresh_token_enc,
           token_key_version = excluded.token_key_version, expires_at = excluded.expires_at,
           athlete = excluded.athlete, connected_at = now(), revoked_at = null, revoked_reason = null,
           refresh_owner = null, refresh_until = null`,
        [
          userId,
          connect.athlete.id,
          connect.scopes,
          access.ciphertext,
          refresh.ciphertext,
          access.keyVersion,
          expiresAt,
          JSON.stringify({
            firstname,
            lastname,
            username,
            profile,
            city,
            state,
            country,
            measurement_preference,
          }),
        ],
      );
    },

    /** Ends the connection: the tokens are deleted, the row stays to say why. */
    async revoke(db: Queryable, userId: string, reason: string): Promise<void> {
      await db.query(
        `update strava_connections
         set revoked_at = coalesce(revoked_at, now()), revoked_reason = $2,
             access_token_enc = null, refresh_token_enc = null, token_key_version = null, expires_at = null,
             refresh_owner = null, refresh_until = null
         where user_id = $1`,
        [userId, reason],
      );
    },
  };
}

export type ConnectionStore = ReturnType<typeof createConnectionStore>;

/*
 * The reads below touch no token column, so they need no cipher and take only the database.
 */

/** The user whose connection to `athleteId` is live; webhook events name only the athlete. */
export async function findConnectedUser(
  db: Queryable,
  athleteId: string,
): Promise<string | undefined> {
  const { rows } = await db.query<{ user_id: string }>(
    'select user_id from strava_connections where athlete_id = $1 and revoked_at is null',
    [athleteId],
  );
  return rows[0]?.user_id;
}

/**
 * Athletes connected now (what Strava counts against the application's athlete limit), and
 * whether `userId` is one of them (reconnecting takes no new place).
 */
export async function connectedAthletes(
  db: Queryable,
  userId: string,
): Promise<{ count: number; includesUser: boolean }> {
  const { rows } = await db.query<{ count: number; includes_user: boolean | null }>(
    `select count(distinct athlete_id)::int as count, bool_or(user_id = $1) as includes_user
       from strava_connections where revoked_at is null`,
    [userId],
  );
  return { count: rows[0]?.count ?? 0, includesUser: rows[0]?.includes_user === true };
}

/** Every user a scheduled sync can run for (live connection, refresh token held), in id order. */
export async function listSyncableUsers(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ user_id: string }>(
    `select user_id from strava_connections
     where revoked_at is null and refresh_token_enc is not null order by user_id`,
  );
  return rows.map((row) => row.user_id);
}

/** A connection as the dashboard may see it: who, which scopes, since when, why it ended. */
export interface ConnectionProfile {
  athlete_id: string;
  athlete: {
    firstname?: string | null;
    lastname?: string | null;
    profile?: string | null;
    measurement_preference?: string | null;
  } | null;
  scopes: string[];
  connected_at: Date;
  revoked_at: Date | null;
  revoked_reason: string | null;
}

/** The user's connection, live or revoked, without its tokens; undefined if they never had one. */
export async function readConnectionProfile(
  db: Queryable,
  userId: string,
): Promise<ConnectionProfile | undefined> {
  const { rows } = await db.query<ConnectionProfile>(
    `select athlete_id, athlete, scopes, connected_at, revoked_at, revoked_reason
     from strava_connections where user_id = $1`,
    [userId],
  );
  return rows[0];
}
