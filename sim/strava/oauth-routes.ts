import type { Context, Hono } from 'hono';
import { summaryAthleteJson } from './athlete-json.ts';
import {
  type AuthorizeDecision,
  readParams,
  type SimContext,
  type SimEnv,
  sendJson,
} from './context.ts';
import { stravaErrors } from './errors.ts';
import { grantedScopes, parseScopeList } from './scopes.ts';
import type { TokenSet } from './tokens.ts';
import type { Scope, SimApp } from './types.ts';

/**
 * Strava's OAuth endpoints under /oauth, per its authentication docs:
 * - GET /oauth/authorize checks the client and the redirect URI (its host must be the app's
 *   callback domain or a subdomain; localhost and 127.0.0.1 always pass), then redirects back
 *   with `state`, `code` and the granted `scope` (comma-separated, `read` always in it), or
 *   with `error=access_denied`. Simplified: there is no consent page; the `authorizeDecision`
 *   knob is the athlete's click, `authorizeAthleteId` who is logged in. With the `athleteLimit`
 *   knob reached by other athletes, it answers Strava's 403 "Limit of connected athletes
 *   exceeded" page instead and sends nobody back.
 * - POST /oauth/token exchanges a code (single use; the response includes the athlete) or a
 *   refresh token (no athlete), with the rules in tokens.ts. It works for an inactive app too
 *   (reported: the refresh succeeds, the API calls then get 403).
 * - POST /oauth/deauthorize revokes the athlete's tokens for the app and answers
 *   `{"access_token": <the token>}` (strava_deauthorize_response.json).
 * Simplified: OAuth calls are not rate-limited.
 */
export function registerOAuthRoutes(app: Hono<SimEnv>, context: SimContext): void {
  app.get('/oauth/authorize', (c) => authorize(c, context));

  app.post('/oauth/token', async (c) => {
    const params = await readParams(c);
    const client = context.world().apps.get(params.client_id ?? '');
    if (!client || client.clientSecret !== params.client_secret) {
      return sendJson(c, 400, stravaErrors.invalidClient());
    }
    if (params.grant_type === 'authorization_code') {
      const tokens = context.tokens.exchangeCode(params.code ?? '', client.clientId);
      if (!tokens) return sendJson(c, 400, stravaErrors.invalidCode());
      const athlete = context.world().athletes.get(tokens.athleteId);
      return sendJson(c, 200, {
        token_type: tokens.token_type,
        expires_at: tokens.expires_at,
        expires_in: tokens.expires_in,
        refresh_token: tokens.refresh_token,
        access_token: tokens.access_token,
        athlete: athlete ? summaryAthleteJson(athlete) : null,
      });
    }
    if (params.grant_type === 'refresh_token') {
      const tokens = context.tokens.refresh(params.refresh_token ?? '', client.clientId);
      if (!tokens) return sendJson(c, 400, stravaErrors.invalidRefreshToken());
      return sendJson(c, 200, refreshResponse(tokens));
    }
    return sendJson(c, 400, stravaErrors.invalidParameter('grant_type'));
  });

  app.post('/oauth/deauthorize', async (c) => {
    const params = await readParams(c);
    const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    const accessToken = params.access_token ?? bearer ?? '';
    const found = context.tokens.lookup(accessToken);
    if (found.status === 'unknown') return sendJson(c, 401, stravaErrors.unknownToken());
    if (found.status !== 'valid') return sendJson(c, 401, stravaErrors.invalidAccessToken());
    context.mutations.deauthorize(found.token.athleteId, { clientId: found.token.clientId });
    return sendJson(c, 200, { access_token: accessToken });
  });
}

/** Key order of strava_token_refresh_response.json. */
function refreshResponse(tokens: TokenSet) {
  return {
    token_type: tokens.token_type,
    access_token: tokens.access_token,
    expires_at: tokens.expires_at,
    expires_in: tokens.expires_in,
    refresh_token: tokens.refresh_token,
  };
}

function authorize(c: Context<SimEnv>, context: SimContext): Response {
  const query = c.req.query();
  const client = context.world().apps.get(query.client_id ?? '');
  if (!client) return sendJson(c, 400, stravaErrors.invalidClient());
  const redirect = query.redirect_uri;
  if (!redirect || !isAllowedRedirect(client, redirect)) {
    return sendJson(c, 400, stravaErrors.invalidParameter('redirect_uri'));
  }
  if (query.response_type !== 'code')
    return sendJson(c, 400, stravaErrors.invalidParameter('response_type'));
  const requested = parseScopeList(query.scope);
  if (!requested.ok) return sendJson(c, 400, stravaErrors.invalidParameter('scope'));
  const athleteId =
    context.knobs.authorizeAthleteId ?? context.world().athletes.keys().next().value;
  if (athleteId === undefined || !context.world().athletes.has(athleteId)) {
    return sendJson(c, 400, {
      message: 'Bad Request',
      errors: [
        { resource: 'Athlete', field: '', code: 'simulator has no such athlete: add one first' },
      ],
    });
  }
  if (atAthleteLimit(context, client.clientId, athleteId)) return athleteLimitPage(c);
  const state = query.state ?? '';
  const decision: AuthorizeDecision = context.knobs.authorizeDecision;
  if (decision === 'deny')
    return c.redirect(withQuery(redirect, `state=${encode(state)}&error=access_denied`), 302);
  const allowed: Scope[] | undefined = decision === 'approve' ? undefined : decision.grant;
  const scopes = grantedScopes(requested.scopes, allowed);
  const code = context.tokens.issueCode(athleteId, client.clientId, scopes);
  // Strava writes the scope list with bare commas and colons: `scope=read,activity:read_all`.
  return c.redirect(
    withQuery(redirect, `state=${encode(state)}&code=${code}&scope=${scopes.join(',')}`),
    302,
  );
}

/** Whether `athleteId` is refused for the app's connected-athlete limit (knob `athleteLimit`). */
function atAthleteLimit(context: SimContext, clientId: string, athleteId: number): boolean {
  const limit = context.knobs.athleteLimit;
  if (limit === null) return false;
  const connected = new Set(
    context.tokens
      .grants()
      .filter((g) => g.clientId === clientId)
      .map((g) => g.athleteId),
  );
  return !connected.has(athleteId) && connected.size >= limit;
}

/** Strava's own page for an app at its limit: the athlete stays on strava.com. */
function athleteLimitPage(c: Context<SimEnv>): Response {
  return c.html(
    '<!DOCTYPE html><html><head><title>Strava</title></head><body><h1>Limit of connected athletes exceeded</h1></body></html>',
    403,
  );
}

function isAllowedRedirect(client: SimApp, redirect: string): boolean {
  let url: URL;
  try {
    url = new URL(redirect);
  } catch {
    return false;
  }
  const host = url.hostname;
  const domain = client.callbackDomain.toLowerCase();
  return (
    host === 'localhost' || host === '127.0.0.1' || host === domain || host.endsWith(`.${domain}`)
  );
}

function withQuery(base: string, query: string): string {
  const hashAt = base.indexOf('#');
  const path = hashAt >= 0 ? base.slice(0, hashAt) : base;
  return `${path}${path.includes('?') ? '&' : '?'}${query}`;
}

const encode = (value: string) => encodeURIComponent(value);
