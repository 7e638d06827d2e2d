import type { Clock } from '../core/clock.ts';
import { enrichPending } from '../enrichment/enrich-pending.ts';
import type { EnrichmentServices } from '../enrichment/enrichment-services.ts';
import type { Database } from '../store/database.ts';
import type { SyncDeps } from './sync-deps.ts';

/**
 * The runner's enriching step over the weather services: one batch of a user's waiting runs,
 * counted the way the session reports them (weather is what "enriched" means to the runner).
 * Places ride along in the same batches; any left when weather stops making progress are
 * finished by the scheduled backfill.
 */
export function enrichForSync(
  db: Database,
  services: EnrichmentServices,
  clock: Clock,
): NonNullable<SyncDeps['enrich']> {
  return async (userId, limit) => {
    const { weather, places } = await enrichPending(db, { ...services, clock }, { userId, limit });
    return {
      enriched: weather.enriched,
      unavailable: weather.unavailable,
      stillPending: weather.stillPending + places.stillPending,
    };
  };
}
