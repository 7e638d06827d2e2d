import type { Context, MiddlewareHandler } from 'hono';
import { readParams, type SimContext, type SimEnv, sendJson } from './context.ts';
import { stravaErrors } from './errors.ts';
import type { SimApp } from './types.ts';

/**
 * Authentication, application status and rate limiting for /api/v3, in Strava's order as far
 * as it shows from outside:
 * 1. the caller: a Bearer token (or `access_token` query parameter) for athlete endpoints;
 *    client_id + client_secret for push subscriptions;
 * 2. an inactive application → 403 (before counting; simplified);
 * 3. the rate limiter counts the call; over a limit → 429 with the fixture body;
 * 4. from here on every response carries the rate-limit headers (a 429 too).
 * A 401 for a token Strava cannot tie to an application carries no rate-limit headers:
 * simplified, nobody's budget is known to be charged for it.
 */
export function apiGate(context: SimContext): MiddlewareHandler<SimEnv> {
  return async (c, next) => {
    const app = c.req.path.includes('/push_subscriptions')
      ? await authenticateApp(c, context)
      : authenticateAthlete(c, context);
    if (app instanceof Response) return app;
    if (!app.active) return sendJson(c, 403, stravaErrors.applicationInactive());
    const decision = context
      .limiterFor(app.clientId)
      .count(c.req.method === 'GET' ? 'read' : 'write');
    for (const [name, value] of Object.entries(decision.headers)) c.header(name, value);
    if (!decision.allowed) return sendJson(c, 429, stravaErrors.rateLimitExceeded());
    c.set('app', app);
    return next();
  };
}

function authenticateAthlete(c: Context<SimEnv>, context: SimContext): SimApp | Response {
  const header = c.req.header('authorization') ?? '';
  const bearer = /^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? c.req.query('access_token');
  if (!bearer) return sendJson(c, 401, stravaErrors.unknownToken());
  if (context.faults.countTowardRevocation()) revokeNow(context, bearer);
  const found = context.tokens.lookup(bearer);
  if (found.status === 'unknown') return sendJson(c, 401, stravaErrors.unknownToken());
  if (found.status !== 'valid') return sendJson(c, 401, stravaErrors.invalidAccessToken());
  const app = context.world().apps.get(found.token.clientId);
  if (!app) return sendJson(c, 401, stravaErrors.unknownToken());
  c.set('token', found.token);
  return app;
}

/** The `revokeAtRequest` fault: this request's token dies just before it is checked. */
function revokeNow(context: SimContext, bearer: string): void {
  const found = context.tokens.lookup(bearer);
  if (found.status === 'unknown') return;
  if (context.faults.settings.revokeMode === 'access-token') {
    context.tokens.revokeAccessToken(bearer);
  } else {
    context.mutations.deauthorize(found.token.athleteId, { clientId: found.token.clientId });
  }
}

async function authenticateApp(
  c: Context<SimEnv>,
  context: SimContext,
): Promise<SimApp | Response> {
  const params = await readParams(c);
  const app = context.world().apps.get(params.client_id ?? '');
  // Assumed: Strava's answer to bad app credentials here mirrors the token endpoint's.
  if (!app || app.clientSecret !== params.client_secret) {
    return sendJson(c, 400, stravaErrors.invalidClient());
  }
  return app;
}
