import type { Hono } from 'hono';
import type { Clock } from '../../src/core/clock.ts';
import type { GenerateAthleteOptions } from './athlete-generator.ts';
import type { Knobs, SimEnv } from './context.ts';
import type { FaultPatch, FaultSettings } from './faults.ts';
import type { EndpointCount } from './inspector.ts';
import type {
  ActivityPatch,
  ChurnPlan,
  ChurnResult,
  CreateActivityInit,
  MutationOptions,
} from './mutations.ts';
import type { RateLimiter, RateLimitUsage, RateLimitWindow } from './rate-limiter.ts';
import type { RefreshRotation, TokenSet } from './tokens.ts';
import type { RateLimitPair, RateLimits, Scope, SimActivity, SimApp, SimAthlete } from './types.ts';
import type { Delivery, Subscription } from './webhooks.ts';

// The simulator's public shape: what `createStravaSimulator` takes and returns.

/** What `addAthlete` takes: see athlete-generator.ts. */
export type AddAthleteOptions = GenerateAthleteOptions;

export interface AppRegistration {
  clientId: string;
  clientSecret: string;
  name?: string;
  callbackDomain?: string;
  active?: boolean;
  rateLimits?: { overall?: Partial<RateLimitPair>; read?: Partial<RateLimitPair> };
}

export interface StravaSimulatorOptions {
  /** Default the system clock; tests pass `createManualClock()`. */
  clock?: Clock;
  /** Seeds the simulator's own dice (new activities from mutations and arrivals). */
  seed?: string;
  /** The default application. Default `{ clientId: '12345', clientSecret: 'sim-secret' }`. */
  app?: Partial<AppRegistration>;
  /** Athletes generated at start (and again after `reset()`). */
  athletes?: AddAthleteOptions[];
  knobs?: Partial<Knobs>;
  refreshTokenRotation?: RefreshRotation;
  webhooks?: { fetch?: typeof fetch; timeoutMs?: number; attempts?: number; retryDelayMs?: number };
}

export interface Inspection {
  requests: EndpointCount[];
  byEndpoint: Record<string, Record<string, number>>;
  rateLimits: Record<
    string,
    {
      limits: RateLimits;
      usage: RateLimitUsage;
      resetsAt: { fifteenMinute: string; daily: string };
      windows: RateLimitWindow[];
    }
  >;
  subscriptions: Subscription[];
  deliveries: Delivery[];
  hung: number;
}

export interface StravaSimulator {
  /** Serves /api/v3/…, /oauth/… and /_sim/…; mount it anywhere (`root.route('/strava', sim.app)`). */
  app: Hono<SimEnv>;
  clock: Clock;
  /** Live maps: they reflect every change. */
  readonly athletes: ReadonlyMap<number, SimAthlete>;
  readonly apps: ReadonlyMap<string, SimApp>;
  readonly defaultApp: SimApp;
  knobs: Knobs;
  registerApp(registration: AppRegistration): SimApp;
  addAthlete(options: AddAthleteOptions): SimAthlete;
  /** The athlete's activities, oldest first (deleted ones only when asked). */
  activitiesOf(athleteId: number, options?: { includeDeleted?: boolean }): SimActivity[];
  activity(id: number): SimActivity | undefined;
  /** Tokens without the browser dance. Default scopes: read, activity:read_all. */
  issueTokens(athleteId: number, scopes?: Scope[], clientId?: string): TokenSet;
  editActivity(id: number, patch: ActivityPatch, options?: MutationOptions): SimActivity;
  deleteActivity(id: number, options?: MutationOptions): SimActivity;
  createActivity(
    athleteId: number,
    init?: CreateActivityInit,
    options?: MutationOptions,
  ): SimActivity;
  deauthorize(athleteId: number, options?: MutationOptions & { clientId?: string }): boolean;
  churn(athleteId: number, plan: ChurnPlan, options?: MutationOptions): ChurnResult;
  faults: {
    readonly settings: Readonly<FaultSettings>;
    set(patch: FaultPatch): FaultSettings;
    reset(): void;
  };
  /** The application's limiter: `limits` is writable; `spend()` is a burst from other users. */
  rateLimiter(clientId?: string): RateLimiter;
  inspect(): Inspection;
  /** Resolves when every webhook delivery in flight (retries included) has finished. */
  flushWebhooks(): Promise<void>;
  /** Back to the state right after creation (options' athletes regenerated, knobs, no tokens). */
  reset(): void;
  /** Releases hung requests and stops webhook deliveries. */
  close(): Promise<void>;
}
