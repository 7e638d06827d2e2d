import { Hono } from 'hono';
import type { EstimateView } from '../../api/contract.ts';
import type { Clock } from '../../core/clock.ts';
import { TransientError } from '../../core/errors.ts';
import { createBackfillEstimator } from '../../estimate/backfill-estimate.ts';
import type { EnrichmentEstimate } from '../../estimate/enrichment-estimate.ts';
import type { EstimateSettings } from '../../estimate/estimate-settings.ts';
import type { StravaReach } from '../../estimate/strava-totals.ts';
import type { Database } from '../../store/database.ts';
import type { AppEnv } from '../app-env.ts';
import { requireUser } from '../auth.ts';
import type { JwtVerifier } from '../jwt.ts';

interface EstimateDeps {
  db: Database;
  clock: Clock;
  auth: JwtVerifier;
  strava?: StravaReach;
  settings?: EstimateSettings;
}

/**
 * `GET /api/estimate`: what a backfill of the runner's history will cost before it starts
 * (src/estimate/backfill-estimate.ts counts it), for the signed-in user, never cached.
 */
export function estimateRoutes(deps: EstimateDeps) {
  const estimate = deps.settings && createBackfillEstimator({ ...deps, settings: deps.settings });
  return new Hono<AppEnv>().get('/api/estimate', requireUser(deps.auth), async (c) => {
    if (!estimate) throw estimateUnavailable();
    const result = await estimate(c.get('user').id, c.get('logger'));
    c.header('cache-control', 'no-store');
    return c.json({
      activities: { ...result.activities, note: result.activities.note ?? null },
      strava: result.strava,
      weather: weatherView(result.enrichment.weather),
      places: result.enrichment.places,
      durationMs: result.durationMs,
      durationRangeMs: result.durationRangeMs,
      computedAt: result.computedAt.toISOString(),
    } satisfies EstimateView);
  });
}

function weatherView({
  finishesAtMs,
  ...weather
}: EnrichmentEstimate['weather']): EstimateView['weather'] {
  return {
    ...weather,
    finishesAt: finishesAtMs === undefined ? null : new Date(finishesAtMs).toISOString(),
  };
}

function estimateUnavailable(): TransientError {
  return new TransientError({
    code: 'estimate_unavailable',
    userMessage: 'This server cannot estimate a sync: it was started without its weather settings.',
    hint: 'You can still start the sync; tell the operator if estimates stay unavailable.',
  });
}
