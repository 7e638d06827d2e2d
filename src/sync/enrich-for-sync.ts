import type { Clock } from '../core/clock.ts';
import type { Database } from '../store/database.ts';
import { enrichPending } from '../weather/enrich-pending.ts';
import type { WeatherServices } from '../weather/weather-services.ts';
import type { SyncDeps } from './run-sync.ts';

/**
 * The runner's enriching step over the weather services: one batch of a user's waiting runs,
 * counted the way the session reports them (weather is what "enriched" means to the runner;
 * places ride along and keep the step going while they still wait).
 */
export function enrichForSync(
  db: Database,
  services: WeatherServices,
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
