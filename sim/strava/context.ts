import type { Context } from 'hono';
import type { Clock } from '../../src/core/clock.ts';
import type { ListingOrder } from './activity-query.ts';
import type { Faults } from './faults.ts';
import type { Inspector } from './inspector.ts';
import type { Mutations } from './mutations.ts';
import type { RateLimiter } from './rate-limiter.ts';
import type { World } from './state.ts';
import { JSON_CONTENT_TYPE, stringifyStrava } from './strava-json.ts';
import type { AccessToken, TokenStore } from './tokens.ts';
import type { Scope, SimApp } from './types.ts';
import type { Webhooks } from './webhooks.ts';

/** What the athlete does on the consent page: approve, deny, or untick some scopes. */
export type AuthorizeDecision = 'approve' | 'deny' | { grant: Scope[] };

/** Behaviour knobs that are not faults. Mutable; every route reads them per request. */
export interface Knobs {
  authorizeDecision: AuthorizeDecision;
  /** The athlete "logged in" at /oauth/authorize. null: the first athlete added. */
  authorizeAthleteId: number | null;
  /** Order of GET /athlete/activities when only `after` is given (reported: ascending). */
  afterOnlyOrder: ListingOrder;
  /** false: mutation events are "lost" (logged, never POSTed). */
  deliverWebhooks: boolean;
  /**
   * New activities appearing during a sync: every Nth activity-list call of an athlete first
   * creates `perArrival` new activities for them (with create events).
   */
  arrivals: { everyListRequests: number; perArrival: number } | null;
  /**
   * The app's connected-athlete limit: with this many athletes connected, /oauth/authorize
   * answers Strava's 403 "Limit of connected athletes exceeded" page to any other athlete and
   * never redirects back. null: no limit.
   */
  athleteLimit: number | null;
}

export const DEFAULT_KNOBS: Knobs = {
  authorizeDecision: 'approve',
  authorizeAthleteId: null,
  afterOnlyOrder: 'ascending',
  deliverWebhooks: true,
  arrivals: null,
  athleteLimit: null,
};

/** Everything the routes need, passed in (no globals): one per simulator. */
export interface SimContext {
  clock: Clock;
  world(): World;
  tokens: TokenStore;
  faults: Faults;
  inspector: Inspector;
  webhooks: Webhooks;
  mutations: Mutations;
  knobs: Knobs;
  limiterFor(clientId: string): RateLimiter;
  /** Activity-list calls per athlete, for the arrivals knob. */
  listCalls: Map<number, number>;
}

export interface SimEnv {
  Variables: {
    token: AccessToken;
    app: SimApp;
    /** Set by the fault gate: cut this response's JSON short. */
    malformed: boolean;
    /** Set by the fault gate: the request hung; the inspector already counted it. */
    hung: boolean;
  };
}

/** A JSON response the way Strava writes it (see strava-json.ts). */
export function sendJson(c: Context, status: number, value: unknown): Response {
  return c.body(stringifyStrava(value), status as 200, { 'Content-Type': JSON_CONTENT_TYPE });
}

/** Query parameters merged with a form, multipart or JSON body (the body wins), as strings. */
export async function readParams(c: Context): Promise<Record<string, string>> {
  const params: Record<string, string> = { ...c.req.query() };
  if (c.req.method === 'GET' || c.req.method === 'HEAD') return params;
  const type = c.req.header('content-type') ?? '';
  let body: Record<string, unknown> = {};
  if (type.includes('application/json')) {
    body = ((await c.req.json().catch(() => ({}))) ?? {}) as Record<string, unknown>;
  } else if (type.includes('form')) {
    body = (await c.req.parseBody().catch(() => ({}))) as Record<string, unknown>;
  }
  for (const [key, value] of Object.entries(body)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      params[key] = String(value);
    }
  }
  return params;
}
