import type { Clock } from '../core/clock.ts';
import { enrichPending } from '../enrichment/enrich-pending.ts';
import type { EnrichmentServices } from '../enrichment/enrichment-services.ts';
import type { Database } from '../store/database.ts';
import type { FeatureFlags } from '../store/feature-flags.ts';
import type { EnrichBatch, SyncDeps } from './sync-deps.ts';

/**
 * The runner's enriching step over the weather services: one batch of a user's waiting runs,
 * counted the way the session reports them (weather is what "enriched" means to the runner).
 * Places ride along in the same batches; any left when weather stops making progress are
 * finished by the scheduled backfill. A provider's spent window comes back as the batch's
 * `deferral`, for the runner to park the session on, never slept through here. The user's
 * feature flags choose the halves and providers (`enrichPending`).
 */
export function enrichForSync(
  db: Database,
  services: EnrichmentServices,
  clock: Clock,
  flags?: FeatureFlags,
): NonNullable<SyncDeps['enrich']> {
  return async (userId, limit, bounds) => {
    const { weather, places, deferral } = await enrichPending(
      db,
      { ...services, clock, ...(flags ? { flags } : {}) },
      { userId, limit, ...bounds },
    );
    const batch: EnrichBatch = {
      enriched: weather.enriched,
      unavailable: weather.unavailable,
      stillPending: weather.stillPending + places.stillPending,
    };
    if (!deferral) return batch;
    const { provider, until, error } = deferral;
    return {
      ...batch,
      deferral: { provider, until, code: error.code, message: error.userMessage },
    };
  };
}
