import { Hono } from 'hono';
import { cors } from 'hono/cors';
import type { Clock } from '../core/clock.ts';
import type { EstimateSettings } from '../estimate/estimate-settings.ts';
import type { Logger } from '../observability/logger.ts';
import type { ProgressHub } from '../progress/progress-hub.ts';
import { createSessionWatches } from '../progress/session-watches.ts';
import type { JobQueue } from '../queue/job-queue.ts';
import type { Database } from '../store/database.ts';
import type { FeatureFlags } from '../store/feature-flags.ts';
import type { StravaDeps } from '../strava/strava-deps.ts';
import type { AppEnv } from './app-env.ts';
import { CORRELATION_HEADER, correlation } from './correlation.ts';
import { handleError, handleNotFound } from './error-response.ts';
import type { JwtVerifier } from './jwt.ts';
import { activityRoutes } from './routes/activities.ts';
import { activityStatsRoutes } from './routes/activity-stats.ts';
import { estimateRoutes } from './routes/estimate.ts';
import { healthRoutes } from './routes/health.ts';
import { type LocalSessionOptions, localSessionRoutes } from './routes/local-session.ts';
import { meRoutes } from './routes/me.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { stravaConnectionRoutes } from './routes/strava-connection.ts';
import { stravaWebhookRoutes } from './routes/strava-webhook.ts';
import { syncRoutes } from './routes/syncs.ts';
import {
  createUserRequestLimit,
  DEFAULT_USER_REQUEST_LIMIT,
  type UserRequestLimitSettings,
} from './user-request-limit.ts';
import { limitBody } from './validate.ts';

export interface AppDeps {
  db: Database;
  clock: Clock;
  logger: Logger;
  auth: JwtVerifier;
  version?: string;
  /** Browser origins allowed to call the API; others get no CORS headers (the browser blocks). */
  corsOrigins?: readonly string[];
  /** STRAVA_WEBHOOK_VERIFY_TOKEN; unset, the webhook handshake is refused. */
  webhookVerifyToken?: string;
  /** Where sync jobs are sent; without it, `POST /api/syncs` answers 503. */
  queue?: JobQueue;
  /** Live progress over LISTEN/NOTIFY; without it, progress streams poll. */
  progressHub?: ProgressHub;
  /** Strava connect/disconnect routes; absent where a function serves only other routes. */
  strava?: StravaDeps;
  /**
   * The weather and place providers enrichment asks first (and their limits), which
   * `GET /api/estimate` counts calls against; without them it answers 503.
   */
  estimate?: EstimateSettings;
  /**
   * Set only by a local install that signs its own tokens: mounts `GET /api/local/session`,
   * which hands the demo user's token to the dashboard. Never set where Supabase Auth signs in.
   */
  localSession?: LocalSessionOptions;
  /** The external APIs this install uses (ledger names), listed by health and metrics. */
  apis?: readonly string[];
  /** When set, `GET /api/metrics` wants `Authorization: Bearer <token>`; unset, it is open. */
  metricsToken?: string;
  /** Each signed-in user's request budget (default: 20 a second, 120 at once). */
  userRequestLimit?: UserRequestLimitSettings;
  /** The feature flags (webhook events, reconcile, `GET /api/me`'s `features`); absent: all on. */
  flags?: FeatureFlags;
}

/**
 * CORS for the dashboard when it is served from another origin. Tokens travel in the
 * Authorization header, never in cookies, so credentials stay off.
 */
function allowOrigins(origins: readonly string[]) {
  return cors({
    origin: (origin) => (origins.includes(origin) ? origin : null),
    allowMethods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
    allowHeaders: ['authorization', 'content-type', 'accept', CORRELATION_HEADER],
    exposeHeaders: [CORRELATION_HEADER, 'retry-after'],
    maxAge: 600,
  });
}

/**
 * The HTTP API over web-standard Request/Response: the same app runs under the local Node server
 * and in Netlify Functions. Order matters: correlation first, so every later middleware, route and
 * the error handler log with the request's id.
 */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('*', correlation(deps.logger));
  app.use('/api/*', allowOrigins(deps.corsOrigins ?? []));
  app.use('/api/*', limitBody());
  const userRequestLimit = createUserRequestLimit(
    deps.clock,
    deps.userRequestLimit ?? DEFAULT_USER_REQUEST_LIMIT,
  );
  app.use('/api/*', async (c, next) => {
    c.set('userRequestLimit', userRequestLimit);
    await next();
  });
  app.route('/', healthRoutes(deps));
  app.route('/', meRoutes(deps));
  const watches = createSessionWatches({
    db: deps.db,
    logger: deps.logger,
    ...(deps.progressHub ? { progressHub: deps.progressHub } : {}),
  });
  app.route('/', syncRoutes({ ...deps, watches }));
  // Stats before the run page, whose `/api/activities/:id` would otherwise take `stats`.
  app.route('/', activityStatsRoutes(deps));
  app.route('/', activityRoutes(deps));
  app.route('/', estimateRoutes({ ...deps, settings: deps.estimate }));
  app.route(
    '/',
    metricsRoutes({
      db: deps.db,
      clock: deps.clock,
      token: deps.metricsToken,
      ...(deps.apis ? { apis: deps.apis } : {}),
    }),
  );
  app.route(
    '/',
    stravaWebhookRoutes({
      db: deps.db,
      clock: deps.clock,
      verifyToken: deps.webhookVerifyToken,
      queue: deps.queue,
      flags: deps.flags,
    }),
  );
  if (deps.strava)
    app.route('/', stravaConnectionRoutes({ ...deps.strava, db: deps.db, auth: deps.auth }));
  if (deps.localSession) app.route('/', localSessionRoutes(deps.localSession));
  app.notFound(handleNotFound);
  app.onError(handleError(deps.logger));
  return app;
}
