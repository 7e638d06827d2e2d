import { Hono } from 'hono';
import { type ConnectionView, disconnectQuery, stravaCallbackBody } from '../../api/contract.ts';
import { AppError, ConfigError } from '../../core/errors.ts';
import type { Database, Queryable } from '../../store/database.ts';
import { purgeUserData } from '../../store/purge-user-data.ts';
import {
  type ConnectionProfile,
  connectedAthletes,
  DISCONNECTED_BY_USER,
  readConnectionProfile,
} from '../../strava/connection-store.ts';
import type { StravaDeps } from '../../strava/strava-deps.ts';
import type { AppEnv } from '../app-env.ts';
import { requireUser } from '../auth.ts';
import type { JwtVerifier } from '../jwt.ts';
import { validateJson, validateQuery } from '../validate.ts';

/**
 * What stridesync asks Strava for: the profile, every activity including private ones, and the
 * detailed profile, whose `measurement_preference` (feet or meters) sets the dashboard's units.
 */
export const REQUESTED_SCOPES = ['read', 'activity:read_all', 'profile:read_all'] as const;
/** What it needs: without `profile:read_all` the units are metric until the runner switches. */
const NEEDED_SCOPES = ['read', 'activity:read_all'] as const;
const ACTIVITY_SCOPES = ['activity:read_all', 'activity:read'];

type StravaConnectionDeps = StravaDeps & { db: Database; auth: JwtVerifier };

/**
 * Connecting and disconnecting Strava:
 * - `GET /api/strava/connection` → whether the runner is connected, as whom, with which scopes;
 * - `GET /api/strava/connect` → Strava's authorize page (or `{ url }` for `Accept: application/json`),
 *   with a signed, single-use `state` bound to the user. Strava sends the browser back to the
 *   dashboard (`<PUBLIC_URL>/?state=…&code=…&scope=…`, or `…&error=access_denied`);
 * - `POST /api/strava/callback` ← the signed-in dashboard with those parameters: the state must be
 *   this user's (a connect link sent to someone else connects nobody), then the code is exchanged
 *   and the connection stored; the answer is the connection, or the error shape;
 * - `DELETE /api/strava/connection[?purge=true]` → deauthorize at Strava, delete the tokens,
 *   and on request the user's synced data.
 */
export function stravaConnectionRoutes(deps: StravaConnectionDeps) {
  // The dashboard itself (its index.html is served at the root): it finishes signed in.
  const redirectUri = `${deps.publicUrl}/`;

  return new Hono<AppEnv>()
    .get('/api/strava/connection', requireUser(deps.auth), async (c) => {
      c.header('cache-control', 'no-store');
      return c.json(await connectionView(deps.db, c.get('user').id));
    })
    .get('/api/strava/connect', requireUser(deps.auth), async (c) => {
      const user = c.get('user');
      if (deps.athleteLimit !== undefined)
        await refuseAtAthleteLimit(deps.db, deps.athleteLimit, user.id);
      const state = await deps.states.issue(deps.db, user.id);
      const url = new URL(`${deps.oauthUrl}/authorize`);
      url.search = new URLSearchParams({
        client_id: deps.clientId,
        redirect_uri: redirectUri,
        response_type: 'code',
        approval_prompt: 'auto',
        scope: REQUESTED_SCOPES.join(','),
        state,
      }).toString();
      c.header('cache-control', 'no-store');
      if (c.req.header('accept')?.includes('application/json'))
        return c.json({ url: url.toString() });
      return c.redirect(url.toString(), 302);
    })
    .post(
      '/api/strava/callback',
      requireUser(deps.auth),
      validateJson(stravaCallbackBody),
      async (c) => {
        const body = c.req.valid('json');
        const userId = c.get('user').id;
        await deps.states.consume(deps.db, body.state, userId);
        const logger = c.get('logger').child({ userId });
        if (body.error !== undefined || body.code === undefined) {
          logger.info({ error: body.error }, 'strava connect declined');
          throw accessDenied();
        }
        const granted = (body.scope ?? '').split(/[\s,]+/).filter(Boolean);
        if (!granted.some((scope) => ACTIVITY_SCOPES.includes(scope))) throw scopeMissing();
        const tokens = await deps.client.exchangeCode(body.code);
        // The token's athlete is a summary; the detailed one (with the units) needs profile:read_all.
        const athlete =
          granted.includes('profile:read_all') || !tokens.athlete
            ? await deps.client.getAthlete(tokens.access_token)
            : tokens.athlete;
        await deps.db.withTransaction((tx) =>
          deps.store.saveTokens(tx, userId, tokens, { athlete, scopes: granted }),
        );
        // Without activity:read_all, private runs stay out of the sync: the view's missingScopes says so.
        logger.info({ scopes: granted }, 'strava connected');
        c.header('cache-control', 'no-store');
        return c.json(await connectionView(deps.db, userId));
      },
    )
    .delete(
      '/api/strava/connection',
      requireUser(deps.auth),
      validateQuery(disconnectQuery),
      async (c) => {
        const user = c.get('user');
        const purge = c.req.valid('query').purge === 'true';
        await deauthorizeAtStrava(deps, user.id);
        const purged = await deps.db.withTransaction(async (tx) => {
          await deps.store.revoke(tx, user.id, DISCONNECTED_BY_USER);
          return purge ? (await purgeUserData(tx, user.id)).activities : 0;
        });
        c.get('logger').info({ userId: user.id, purge, purged }, 'strava disconnected');
        return c.json({ disconnected: true, purgedActivities: purged });
      },
    );
}

function accessDenied(): ConfigError {
  return new ConfigError({
    code: 'strava_access_denied',
    userMessage: 'Strava was not connected: access was not granted.',
    hint: 'Connect again and choose Authorize.',
  });
}

function scopeMissing(): ConfigError {
  return new ConfigError({
    code: 'strava_scope_missing',
    userMessage:
      'Strava was connected without permission to read your activities, so there is nothing to sync.',
    hint: 'Connect again and leave "View data about your activities" ticked.',
  });
}

function connectionStatus(row: ConnectionProfile | undefined): ConnectionView['status'] {
  if (!row || row.revoked_reason === DISCONNECTED_BY_USER) return 'not_connected';
  return row.revoked_at ? 'revoked' : 'connected';
}

/** The user's `strava_connections` row as the dashboard shows it; never a token column. */
export async function connectionView(db: Queryable, userId: string): Promise<ConnectionView> {
  const row = await readConnectionProfile(db, userId);
  const scopes = row?.scopes ?? [];
  return {
    status: connectionStatus(row),
    athlete: row
      ? {
          id: row.athlete_id,
          firstName: row.athlete?.firstname || null,
          lastName: row.athlete?.lastname || null,
          profileImageUrl: pictureUrl(row.athlete?.profile),
          measurementPreference: measurementPreference(row.athlete?.measurement_preference),
        }
      : null,
    scopes,
    missingScopes: NEEDED_SCOPES.filter((scope) => !scopes.includes(scope)),
    connectedAt: row?.connected_at.toISOString() ?? null,
    revokedAt: row?.revoked_at?.toISOString() ?? null,
    revokedReason: row?.revoked_reason ?? null,
  };
}

function measurementPreference(value: string | null | undefined): 'feet' | 'meters' | null {
  return value === 'feet' || value === 'meters' ? value : null;
}

/**
 * Strava sends `avatar/athlete/large.png`, a path on its own site, for athletes without a
 * picture: only an absolute https address is a picture the dashboard can show.
 */
function pictureUrl(profile: string | null | undefined): string | null {
  return profile?.startsWith('https://') ? profile : null;
}

/**
 * Tells Strava to forget stridesync for this user. A connection whose tokens are already gone
 * has nothing to deauthorize; a Strava failure stops the disconnect (tokens kept) so the user
 * can retry, rather than leaving the app authorized at Strava with no way to revoke it.
 */
async function deauthorizeAtStrava(deps: StravaConnectionDeps, userId: string): Promise<void> {
  let token: string;
  try {
    token = await deps.tokens.getValidAccessToken(userId);
  } catch (error) {
    if (
      error instanceof AppError &&
      ['strava_reconnect_required', 'strava_not_connected'].includes(error.code)
    )
      return;
    throw error;
  }
  await deps.client.deauthorize(token);
}

/**
 * Strava refuses a connect on its own page once the application has as many connected athletes
 * as it may (403 "Limit of connected athletes exceeded"), and the runner never comes back. With
 * STRAVA_ATHLETE_LIMIT set, the refusal happens here instead, where it can be explained; the
 * error handler logs it as a warning with the request's correlation id, for the operator.
 */
async function refuseAtAthleteLimit(db: Database, limit: number, userId: string): Promise<void> {
  const connected = await connectedAthletes(db, userId);
  if (connected.includesUser || connected.count < limit) return;
  throw new ConfigError({
    code: 'strava_athlete_limit',
    userMessage:
      'This stridesync has reached the number of athletes its Strava application may connect; the operator has been told.',
    hint: 'Operator: ask Strava to raise the application’s athlete limit (extended access, docs/deploy.md), then raise STRAVA_ATHLETE_LIMIT.',
    detail: `connect refused: ${connected.count} athletes connected, STRAVA_ATHLETE_LIMIT ${limit}`,
  });
}
