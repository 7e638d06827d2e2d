import { Hono } from 'hono';
import { systemClock } from '../../src/core/clock.ts';
import { registerAdminRoutes } from './admin-routes.ts';
import { apiGate } from './api-gate.ts';
import { registerApiRoutes } from './api-routes.ts';
import { generateAthlete } from './athlete-generator.ts';
import { DEFAULT_KNOBS, type Knobs, type SimContext, type SimEnv } from './context.ts';
import { faultGate, inspectorGate } from './fault-gate.ts';
import { createFaults } from './faults.ts';
import { createInspector } from './inspector.ts';
import { createMutations } from './mutations.ts';
import { registerOAuthRoutes } from './oauth-routes.ts';
import { createRandom, type Random } from './random.ts';
import { createRateLimiter, DEFAULT_RATE_LIMITS, type RateLimiter } from './rate-limiter.ts';
import { normalizeScopes } from './scopes.ts';
import type {
  AddAthleteOptions,
  AppRegistration,
  Inspection,
  StravaSimulator,
  StravaSimulatorOptions,
} from './simulator-api.ts';
import { addAthlete, createWorld, type World } from './state.ts';
import { createTokenStore } from './tokens.ts';
import type { SimApp, SimAthlete } from './types.ts';
import { createWebhooks } from './webhooks.ts';

/**
 * The Strava API v3 simulator: one Hono app serving /api/v3, /oauth and /_sim, plus the
 * in-process control surface. docs/simulators.md is the manual.
 */
export type { AuthorizeDecision, Knobs } from './context.ts';
export type { FaultOutcome, FaultPatch, FaultSettings, FaultStatus } from './faults.ts';
export type {
  ActivityPatch,
  ChurnPlan,
  ChurnResult,
  CreateActivityInit,
  MutationOptions,
} from './mutations.ts';
export type { RateLimiter, RateLimitUsage, RateLimitWindow } from './rate-limiter.ts';
export type * from './simulator-api.ts';
export type { RefreshRotation, TokenSet } from './tokens.ts';
export type * from './types.ts';
export type { Delivery, Subscription, WebhookEvent } from './webhooks.ts';

/** The simulator's Strava application unless told otherwise (the demo's client id 12345). */
export const DEFAULT_APP: AppRegistration = { clientId: '12345', clientSecret: 'sim-secret' };

export function createStravaSimulator(options: StravaSimulatorOptions = {}): StravaSimulator {
  const clock = options.clock ?? systemClock;
  const seed = options.seed ?? 'stridesync';
  let world: World = createWorld();
  let random: Random = createRandom(`strava-sim:${seed}`);
  const limiters = new Map<string, RateLimiter>();
  const tokens = createTokenStore(clock, options.refreshTokenRotation);
  const faults = createFaults();
  const inspector = createInspector();
  const webhooks = createWebhooks({ clock, ...options.webhooks });
  const knobs: Knobs = { ...DEFAULT_KNOBS, ...options.knobs };
  const listCalls = new Map<number, number>();
  const mutations = createMutations({
    world: () => world,
    tokens,
    webhooks,
    clock,
    random: () => random,
    deliverWebhooksByDefault: () => knobs.deliverWebhooks,
  });
  faults.onChange((settings) => {
    for (const limiter of limiters.values()) limiter.setOtherUsers(settings.otherUsers);
  });

  const registerApp = (registration: AppRegistration): SimApp => {
    if (!/^\d+$/.test(registration.clientId))
      throw new Error('a client id is numeric, as on Strava');
    const app: SimApp = {
      clientId: registration.clientId,
      clientSecret: registration.clientSecret,
      name: registration.name ?? 'stridesync (simulated)',
      callbackDomain: registration.callbackDomain ?? 'localhost',
      active: registration.active ?? true,
    };
    world.apps.set(app.clientId, app);
    const limiter = limiters.get(app.clientId) ?? createRateLimiter(clock);
    limiter.limits = {
      overall: { ...DEFAULT_RATE_LIMITS.overall, ...registration.rateLimits?.overall },
      read: { ...DEFAULT_RATE_LIMITS.read, ...registration.rateLimits?.read },
    };
    limiter.setOtherUsers(faults.settings.otherUsers);
    limiters.set(app.clientId, limiter);
    return app;
  };
  const limiterFor = (clientId: string): RateLimiter => {
    const limiter = limiters.get(clientId);
    if (!limiter) throw new Error(`no application ${clientId}`);
    return limiter;
  };
  const addSimAthlete = (athleteOptions: AddAthleteOptions): SimAthlete => {
    let attempt = athleteOptions;
    for (;;) {
      const generated = generateAthlete(attempt, {
        nowMs: clock.now(),
        isActivityIdTaken: (id) => world.activities.has(id),
      });
      if (!world.athletes.has(generated.athlete.id)) {
        addAthlete(world, generated.athlete, generated.activities);
        return generated.athlete;
      }
      if (athleteOptions.athleteId !== undefined)
        throw new Error(`athlete ${generated.athlete.id} exists`);
      attempt = { ...athleteOptions, athleteId: generated.athlete.id + 1 };
    }
  };
  const defaultAppRegistration = { ...DEFAULT_APP, ...options.app };
  const populate = () => {
    registerApp(defaultAppRegistration);
    for (const athleteOptions of options.athletes ?? []) addSimAthlete(athleteOptions);
  };

  const context: SimContext = {
    clock,
    world: () => world,
    tokens,
    faults,
    inspector,
    webhooks,
    mutations,
    knobs,
    limiterFor,
    listCalls,
  };
  const app = new Hono<SimEnv>();
  app.use(
    '/api/v3/*',
    inspectorGate(context),
    faultGate(context, () => true),
    apiGate(context),
  );
  const oauthFaults = faultGate(context, () => faults.settings.includeOAuth);
  app.use('/oauth/*', inspectorGate(context));
  app.use('/oauth/token', oauthFaults);
  app.use('/oauth/deauthorize', oauthFaults);
  registerApiRoutes(app, context);
  registerOAuthRoutes(app, context);

  populate();

  const simulator: StravaSimulator = {
    app,
    clock,
    get athletes() {
      return world.athletes;
    },
    get apps() {
      return world.apps;
    },
    get defaultApp() {
      return world.apps.get(defaultAppRegistration.clientId) as SimApp;
    },
    knobs,
    registerApp,
    addAthlete: addSimAthlete,
    activitiesOf(athleteId, { includeDeleted = false } = {}) {
      const timeline = world.timelines.get(athleteId) ?? [];
      return includeDeleted ? [...timeline] : timeline.filter((a) => a.deletedMs === null);
    },
    activity: (id) => world.activities.get(id),
    issueTokens(
      athleteId,
      scopes = ['read', 'activity:read_all'],
      clientId = defaultAppRegistration.clientId,
    ) {
      if (!world.athletes.has(athleteId)) throw new Error(`no athlete ${athleteId}`);
      if (!world.apps.has(clientId)) throw new Error(`no application ${clientId}`);
      return tokens.authorize(athleteId, clientId, normalizeScopes(scopes));
    },
    editActivity: mutations.editActivity,
    deleteActivity: mutations.deleteActivity,
    createActivity: mutations.createActivity,
    deauthorize: mutations.deauthorize,
    churn: mutations.churn,
    faults,
    rateLimiter: (clientId = defaultAppRegistration.clientId) => limiterFor(clientId),
    inspect() {
      const rateLimits: Inspection['rateLimits'] = {};
      for (const [clientId, limiter] of limiters) {
        if (!world.apps.has(clientId)) continue;
        const resets = limiter.resetsAt();
        rateLimits[clientId] = {
          limits: structuredClone(limiter.limits),
          usage: limiter.usage(),
          resetsAt: {
            fifteenMinute: new Date(resets.fifteenMinute).toISOString(),
            daily: new Date(resets.daily).toISOString(),
          },
          windows: limiter.windows(),
        };
      }
      return {
        requests: inspector.counts(),
        byEndpoint: inspector.byEndpoint(),
        rateLimits,
        subscriptions: [...world.apps.keys()].flatMap((clientId) => webhooks.list(clientId)),
        deliveries: webhooks.deliveries(),
        hung: faults.hungCount(),
      };
    },
    flushWebhooks: () => webhooks.flush(),
    reset() {
      faults.reset(); // releases hung requests too
      webhooks.stop(true);
      tokens.clear();
      inspector.clear();
      listCalls.clear();
      for (const limiter of limiters.values()) limiter.clear();
      limiters.clear();
      Object.assign(knobs, DEFAULT_KNOBS, options.knobs);
      world = createWorld();
      random = createRandom(`strava-sim:${seed}`);
      populate();
    },
    async close() {
      faults.releaseHung();
      webhooks.stop(false);
      await webhooks.flush();
    },
  };
  registerAdminRoutes(app, simulator);
  return simulator;
}
