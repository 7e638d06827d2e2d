import type { Context, Hono } from 'hono';
import { detailedActivityJson, summaryActivityJson } from './activity-json.ts';
import { parseActivityQuery, selectActivities } from './activity-query.ts';
import { detailedAthleteJson, summaryAthleteJson } from './athlete-json.ts';
import { athleteStatsJson } from './athlete-stats.ts';
import { readParams, type SimContext, type SimEnv, sendJson } from './context.ts';
import { stravaErrors } from './errors.ts';
import { canReadActivities, canSeeActivity } from './scopes.ts';
import { findLiveActivity, liveActivities } from './state.ts';
import { subscriptionJson } from './webhooks.ts';

/**
 * The Strava API v3 endpoints the sync uses, under /api/v3 (after `apiGate`). Paths, query
 * parameters, status codes and bodies follow Strava's reference; see each handler.
 */
export function registerApiRoutes(app: Hono<SimEnv>, context: SimContext): void {
  /** The authenticated athlete: detailed with profile:read_all, summary otherwise. */
  app.get('/api/v3/athlete', (c) => {
    const token = c.get('token');
    const athlete = context.world().athletes.get(token.athleteId);
    if (!athlete) return sendJson(c, 404, stravaErrors.routeNotFound());
    const detailed = token.scopes.includes('profile:read_all');
    return sendJson(c, 200, detailed ? detailedAthleteJson(athlete) : summaryAthleteJson(athlete));
  });

  /** Totals for progress estimates; only the token's own athlete (assumed 403 otherwise). */
  app.get('/api/v3/athletes/:id/stats', (c) => {
    const token = c.get('token');
    const id = Number(c.req.param('id'));
    if (!Number.isSafeInteger(id)) return sendJson(c, 404, stravaErrors.routeNotFound());
    if (id !== token.athleteId) return sendJson(c, 403, stravaErrors.forbiddenAthlete());
    const timeline = context.world().timelines.get(id) ?? [];
    const stats = athleteStatsJson(timeline, context.clock.now());
    // The malformedStats fault: parseable JSON that is not ActivityStats.
    if (context.faults.settings.malformedStats) {
      return sendJson(c, 200, { ...stats, all_run_totals: null, recent_run_totals: 'unavailable' });
    }
    return sendJson(c, 200, stats);
  });

  app.get('/api/v3/athlete/activities', (c) => {
    const token = c.get('token');
    if (!canReadActivities(token.scopes))
      return sendJson(c, 401, stravaErrors.missingActivityRead());
    const parsed = parseActivityQuery(c.req.query(), context.clock.now());
    if (!parsed.ok) {
      return parsed.error === 'after-in-future'
        ? sendJson(c, 400, stravaErrors.afterInFuture())
        : sendJson(c, 400, stravaErrors.invalidParameter(parsed.field));
    }
    arriveDuringSync(context, token.athleteId);
    const visible = liveActivities(context.world(), token.athleteId).filter((activity) =>
      canSeeActivity(token.scopes, activity),
    );
    const page = selectActivities(visible, parsed.query, context.knobs.afterOnlyOrder);
    return sendJson(c, 200, page.map(summaryActivityJson));
  });

  /** One activity of the token's athlete; someone else's, or a hidden one, is a 404. */
  app.get('/api/v3/activities/:id', (c) => {
    const token = c.get('token');
    if (!canReadActivities(token.scopes))
      return sendJson(c, 401, stravaErrors.missingActivityRead());
    const id = Number(c.req.param('id'));
    const activity = Number.isSafeInteger(id) ? findLiveActivity(context.world(), id) : undefined;
    if (
      !activity ||
      activity.athleteId !== token.athleteId ||
      !canSeeActivity(token.scopes, activity)
    ) {
      return sendJson(c, 404, stravaErrors.activityNotFound());
    }
    return sendJson(c, 200, detailedActivityJson(activity));
  });

  app.post('/api/v3/push_subscriptions', async (c) => {
    const params = await readParams(c);
    for (const field of ['callback_url', 'verify_token'] as const) {
      if (!params[field])
        return sendJson(c, 400, stravaErrors.invalidParameter(field, 'PushSubscription'));
    }
    const result = await context.webhooks.create(
      c.get('app'),
      params.callback_url as string,
      params.verify_token as string,
    );
    if (!result.ok) return sendJson(c, 400, result.body);
    return sendJson(c, 201, subscriptionJson(result.subscription));
  });

  app.get('/api/v3/push_subscriptions', (c) =>
    sendJson(c, 200, context.webhooks.list(c.get('app').clientId).map(subscriptionJson)),
  );

  app.delete('/api/v3/push_subscriptions/:id', (c) => {
    const removed = context.webhooks.remove(c.get('app').clientId, Number(c.req.param('id')));
    if (!removed) return sendJson(c, 404, stravaErrors.subscriptionNotFound());
    return c.body(null, 204);
  });

  app.all('/api/v3/*', (c: Context) => sendJson(c, 404, stravaErrors.routeNotFound()));
}

/** The `arrivals` knob: every Nth list call of an athlete, new activities appear first. */
function arriveDuringSync(context: SimContext, athleteId: number): void {
  const arrivals = context.knobs.arrivals;
  if (!arrivals || arrivals.everyListRequests < 1) return;
  const calls = (context.listCalls.get(athleteId) ?? 0) + 1;
  context.listCalls.set(athleteId, calls);
  if (calls % arrivals.everyListRequests !== 0) return;
  for (let i = 0; i < arrivals.perArrival; i++) context.mutations.createActivity(athleteId);
}
