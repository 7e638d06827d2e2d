import type { Context, Hono } from 'hono';
import { z } from 'zod';
import type { ManualClock } from '../../src/core/clock.ts';
import { summaryActivityJson } from './activity-json.ts';
import type { SimEnv } from './context.ts';
import { sendJson } from './context.ts';
import { faultPatchSchema } from './faults.ts';
import type { StravaSimulator } from './index.ts';
import { SCOPES } from './types.ts';

/**
 * The control surface over HTTP, under /_sim (JSON in, JSON out), for runs where the
 * simulator is in another process (`npm start`, benchmarks, a browser). Mirrors the
 * in-process API; docs/simulators.md lists every route. Bad input → 400 `{ "error": … }`, unknown
 * athlete or activity → 404, a body that is not JSON (`Content-Type` other than
 * `application/json` or `*+json`, or none on a route that takes a body) → 415.
 */
const scopes = z.array(z.enum(SCOPES));
const time = z
  .union([z.number(), z.iso.datetime({ offset: true })])
  .transform((value) => new Date(value).getTime());
const latLng = z.union([z.null(), z.tuple([]), z.tuple([z.number(), z.number()])]);
const visibility = z.enum(['everyone', 'followers_only', 'only_me']);

const athleteBody = z.strictObject({
  seed: z.union([z.string(), z.number()]),
  activityCount: z.int().min(0).max(100_000).optional(),
  years: z.number().positive().max(50).optional(),
  until: time.optional(),
  athleteId: z.int().positive().optional(),
  homePlaces: z.array(z.string()).optional(),
  sportWeights: z.record(z.string(), z.number().min(0)).optional(),
  edgeCases: z.boolean().optional(),
  firstname: z.string().optional(),
  lastname: z.string().optional(),
});

const activityPatch = z.strictObject({
  name: z.string().optional(),
  sportType: z.string().min(1).optional(),
  visibility: visibility.optional(),
  distanceM: z.number().min(0).optional(),
  movingTimeS: z.int().min(0).optional(),
  elapsedTimeS: z.int().min(0).optional(),
  elevationGainM: z.number().optional(),
  startMs: time.optional(),
  description: z.string().nullable().optional(),
  commute: z.boolean().optional(),
  trainer: z.boolean().optional(),
  startLatLng: latLng.optional(),
  endLatLng: latLng.optional(),
});

const deliver = { deliverWebhooks: z.boolean().optional() };
const mutationBody = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('edit'),
    activityId: z.int(),
    patch: activityPatch,
    ...deliver,
  }),
  z.strictObject({ type: z.literal('delete'), activityId: z.int(), ...deliver }),
  z.strictObject({
    type: z.literal('create'),
    athleteId: z.int(),
    activity: activityPatch
      .extend({ placeName: z.string().optional(), manual: z.boolean().optional() })
      .optional(),
    ...deliver,
  }),
  z.strictObject({
    type: z.literal('deauthorize'),
    athleteId: z.int(),
    clientId: z.string().optional(),
    ...deliver,
  }),
  z.strictObject({
    type: z.literal('churn'),
    athleteId: z.int(),
    edits: z.int().min(0).optional(),
    deletions: z.int().min(0).optional(),
    creations: z.int().min(0).optional(),
    ...deliver,
  }),
]);

const knobsBody = z.strictObject({
  authorizeDecision: z
    .union([z.enum(['approve', 'deny']), z.strictObject({ grant: scopes })])
    .optional(),
  authorizeAthleteId: z.int().nullable().optional(),
  afterOnlyOrder: z.enum(['ascending', 'descending']).optional(),
  deliverWebhooks: z.boolean().optional(),
  arrivals: z
    .strictObject({ everyListRequests: z.int().positive(), perArrival: z.int().min(1) })
    .nullable()
    .optional(),
  athleteLimit: z.int().min(0).nullable().optional(),
});

const pair = z.strictObject({
  fifteenMinute: z.int().positive().optional(),
  daily: z.int().positive().optional(),
});
const appBody = z.strictObject({
  clientId: z.string().regex(/^\d+$/),
  clientSecret: z.string().min(1),
  name: z.string().optional(),
  callbackDomain: z.string().optional(),
  active: z.boolean().optional(),
  rateLimits: z.strictObject({ overall: pair.optional(), read: pair.optional() }).optional(),
});

const rateLimitBody = z.strictObject({
  clientId: z.string().optional(),
  limits: z.strictObject({ overall: pair.optional(), read: pair.optional() }).optional(),
  spend: z
    .strictObject({ requests: z.int().min(0), kind: z.enum(['read', 'write']).optional() })
    .optional(),
});

const clockBody = z.union([
  z.strictObject({ advanceMs: z.number() }),
  z.strictObject({ set: time }),
]);
const tokenBody = z.strictObject({
  athleteId: z.int(),
  scopes: scopes.optional(),
  clientId: z.string().optional(),
});

export function registerAdminRoutes(app: Hono<SimEnv>, sim: StravaSimulator): void {
  // Before any route runs: a form or text body is refused even where the route takes no body.
  app.use('/_sim/*', async (c, next) => {
    const type = c.req.header('content-type');
    if (c.req.method === 'POST' && type !== undefined && !isJson(type)) return notJson(c);
    await next();
  });

  app.get('/_sim/state', (c) => {
    const base = new URL(c.req.url);
    const prefix = base.pathname.slice(0, base.pathname.lastIndexOf('/_sim/state'));
    const origin = `${base.origin}${prefix}`;
    return c.json({
      baseUrls: { api: `${origin}/api/v3`, oauth: `${origin}/oauth`, admin: `${origin}/_sim` },
      now: new Date(sim.clock.now()).toISOString(),
      apps: [...sim.apps.values()],
      athletes: [...sim.athletes.values()].map((athlete) => ({
        ...athlete,
        activityCount: sim.activitiesOf(athlete.id).length,
      })),
      knobs: sim.knobs,
      faults: sim.faults.settings,
    });
  });

  app.get('/_sim/inspect', (c) => c.json(sim.inspect()));

  app.get('/_sim/athletes/:id/activities', (c) => {
    const id = Number(c.req.param('id'));
    if (!sim.athletes.has(id)) return c.json({ error: `no athlete ${id}` }, 404);
    return sendJson(c, 200, sim.activitiesOf(id).reverse().map(summaryActivityJson));
  });

  app.post('/_sim/athletes', (c) =>
    withBody(c, athleteBody, (body) => {
      const athlete = sim.addAthlete(body);
      return c.json({ ...athlete, activityCount: sim.activitiesOf(athlete.id).length }, 201);
    }),
  );

  app.post('/_sim/tokens', (c) =>
    withBody(c, tokenBody, (body) =>
      c.json(sim.issueTokens(body.athleteId, body.scopes, body.clientId), 201),
    ),
  );

  app.post('/_sim/faults', (c) =>
    withBody(c, faultPatchSchema, (body) => c.json(sim.faults.set(body))),
  );
  app.post('/_sim/faults/reset', (c) => {
    sim.faults.reset();
    return c.json(sim.faults.settings);
  });

  app.post('/_sim/knobs', (c) =>
    withBody(c, knobsBody, (body) => {
      Object.assign(sim.knobs, body);
      return c.json(sim.knobs);
    }),
  );

  app.post('/_sim/apps', (c) => withBody(c, appBody, (body) => c.json(sim.registerApp(body), 201)));

  app.post('/_sim/rate-limits', (c) =>
    withBody(c, rateLimitBody, (body) => {
      const limiter = sim.rateLimiter(body.clientId);
      if (body.limits) {
        limiter.limits = {
          overall: { ...limiter.limits.overall, ...body.limits.overall },
          read: { ...limiter.limits.read, ...body.limits.read },
        };
      }
      if (body.spend) limiter.spend(body.spend.requests, body.spend.kind);
      return c.json({ limits: limiter.limits, usage: limiter.usage() });
    }),
  );

  app.post('/_sim/mutations', (c) =>
    withBody(c, mutationBody, async (body) => {
      const options =
        body.deliverWebhooks === undefined ? {} : { deliverWebhooks: body.deliverWebhooks };
      let result: unknown;
      if (body.type === 'edit') result = sim.editActivity(body.activityId, body.patch, options);
      else if (body.type === 'delete') result = sim.deleteActivity(body.activityId, options);
      else if (body.type === 'create')
        result = sim.createActivity(body.athleteId, body.activity, options);
      else if (body.type === 'deauthorize') {
        result = {
          deauthorized: sim.deauthorize(body.athleteId, { ...options, clientId: body.clientId }),
        };
      } else result = sim.churn(body.athleteId, body, options);
      await sim.flushWebhooks();
      return c.json({ result, deliveries: sim.inspect().deliveries.slice(-20) });
    }),
  );

  app.post('/_sim/clock', (c) =>
    withBody(c, clockBody, (body) => {
      const clock = sim.clock as Partial<ManualClock>;
      if (!clock.advance || !clock.set)
        return c.json({ error: 'the simulator runs on the system clock' }, 409);
      if ('advanceMs' in body) clock.advance(body.advanceMs);
      else clock.set(body.set);
      return c.json({ now: new Date(sim.clock.now()).toISOString() });
    }),
  );

  app.post('/_sim/reset', (c) => {
    sim.reset();
    return c.json({ reset: true });
  });
}

async function withBody<T>(
  c: Context,
  schema: z.ZodType<T>,
  handle: (body: T) => Response | Promise<Response>,
): Promise<Response> {
  if (!isJson(c.req.header('content-type') ?? '')) return notJson(c);
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return c.json({ error: `the body is not valid JSON: ${reason}` }, 400);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return c.json({ error: z.prettifyError(parsed.error) }, 400);
  try {
    return await handle(parsed.data);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return c.json(
      { error: message },
      /^no (athlete|activity|application)/.test(message) ? 404 : 400,
    );
  }
}

/** `application/json`, or a JSON-based type (`application/merge-patch+json`), any parameters. */
function isJson(contentType: string): boolean {
  return /^application\/([\w.-]+\+)?json\s*(;|$)/i.test(contentType);
}

function notJson(c: Context): Response {
  return c.json(
    { error: 'the admin routes take a JSON body: send Content-Type: application/json' },
    415,
  );
}
