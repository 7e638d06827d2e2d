import { Hono } from 'hono';
import { z } from 'zod';
import { type ConnectionView, disconnectQuery } from '../../api/contract.ts';
import { AppError } from '../../core/errors.ts';
import type { Database, Queryable } from '../../store/database.ts';
import { purgeUserData } from '../../store/purge-user-data.ts';
import {
  type ConnectionProfile,
  DISCONNECTED_BY_USER,
  readConnectionProfile,
} from '../../strava/connection-store.ts';
import type { StravaDeps } from '../../strava/strava-deps.ts';
import type { AppEnv } from '../app-env.ts';
import { requireUser } from '../auth.ts';
import type { JwtVerifier } from '../jwt.ts';
import { validateQuery } from '../validate.ts';

/** What stridesync asks Strava for: the profile, and every activity including private ones. */
export const REQUESTED_SCOPES = ['read', 'activity:read_all'] as const;
const ACTIVITY_SCOPES = ['activity:read_all', 'activity:read'];

type StravaConnectionDeps = StravaDeps & { db: Database; auth: JwtVerifier };

const callbackQuery = z.object({
  state: z.string().min(1).max(2048),
  code: z.string().min(1).max(512).optional(),
  scope: z.string().max(512).optional(),
  error: z.string().max(128).optional(),
});

/**
 * Connecting and disconnecting Strava:
 * - `GET /api/strava/connection` → whether the runner is connected, as whom, with which scopes;
 * - `GET /api/strava/connect` → Strava's authorize page (or `{ url }` for `Accept: application/json`),
 *   with a signed, single-use `state` bound to the user;
 * - `GET /api/strava/callback` ← Strava, with no session: the state says who it is for;
 * - `DELETE /api/strava/connection[?purge=true]` → deauthorize at Strava, delete the tokens,
 *   and on request the user's synced data.
 * The callback ends in a redirect back to the app with `?strava=connected` or
 * `?strava=error&reason=<code>&message=<text>`, except for a bad state, which is a 400.
 */
export function stravaConnectionRoutes(deps: StravaConnectionDeps) {
  const redirectUri = `${deps.publicUrl}/api/strava/callback`;
  const backToApp = (params: Record<string, string>) =>
    `${deps.publicUrl}/?${new URLSearchParams(params)}`;

  return new Hono<AppEnv>()
    .get('/api/strava/connection', requireUser(deps.auth), async (c) => {
      c.header('cache-control', 'no-store');
      return c.json(await connectionView(deps.db, c.get('user').id));
    })
    .get('/api/strava/connect', requireUser(deps.auth), async (c) => {
      const user = c.get('user');
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
    .get('/api/strava/callback', validateQuery(callbackQuery), async (c) => {
      const query = c.req.valid('query');
      const userId = await deps.states.consume(deps.db, query.state);
      const logger = c.get('logger').child({ userId });
      if (query.error || !query.code) {
        logger.info({ error: query.error }, 'strava connect declined');
        return c.redirect(
          backToApp({
            strava: 'error',
            reason: 'access_denied',
            message:
              'Strava was not connected: access was not granted. Connect again and choose Authorize.',
          }),
        );
      }
      const granted = (query.scope ?? '').split(/[\s,]+/).filter(Boolean);
      if (!granted.some((scope) => ACTIVITY_SCOPES.includes(scope))) {
        return c.redirect(
          backToApp({
            strava: 'error',
            reason: 'strava_scope_missing',
            message:
              'Strava was connected without permission to read your activities, so there is nothing to sync. ' +
              'Connect again and leave "View data about your activities" ticked.',
          }),
        );
      }
      try {
        const tokens = await deps.client.exchangeCode(query.code);
        const athlete = tokens.athlete ?? (await deps.client.getAthlete(tokens.access_token));
        await deps.db.withTransaction((tx) =>
          deps.store.saveTokens(tx, userId, tokens, { athlete, scopes: granted }),
        );
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        logger.warn({ code: error.code, detail: error.message }, 'strava connect failed');
        return c.redirect(
          backToApp({ strava: 'error', reason: error.code, message: error.userMessage }),
        );
      }
      logger.info({ scopes: granted }, 'strava connected');
      // Without activity:read_all, private runs stay out of the sync: say so, but connect.
      const params: Record<string, string> = { strava: 'connected' };
      if (!granted.includes('activity:read_all')) params.missing = 'activity:read_all';
      return c.redirect(backToApp(params));
    })
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
        }
      : null,
    scopes,
    missingScopes: REQUESTED_SCOPES.filter((scope) => !scopes.includes(scope)),
    connectedAt: row?.connected_at.toISOString() ?? null,
    revokedAt: row?.revoked_at?.toISOString() ?? null,
    revokedReason: row?.revoked_reason ?? null,
  };
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
