import { createApiLedger } from '../src/budget/api-ledger.ts';
import { LEDGER_PROVIDER } from '../src/budget/provider-limits.ts';
import type { Config } from '../src/config/config.ts';
import {
  createEnrichmentServices,
  stridesyncUserAgent,
} from '../src/enrichment/enrichment-services.ts';
import type { PlaceProviderName } from '../src/enrichment/geocoding/place-provider.ts';
import type { WeatherProviderName } from '../src/enrichment/weather/weather-observation.ts';
import {
  type EnrichmentEstimate,
  estimateEnrichment,
} from '../src/estimate/enrichment-estimate.ts';
import { cachedKeys, storedRuns } from '../src/estimate/stored-runs.ts';
import type { Database } from '../src/store/database.ts';
import { openBenchDatabase } from './bench-database.ts';
import type { BenchWorld } from './bench-world.ts';
import { countingLedger } from './counting-ledger.ts';
import { enrichHistory, type PassFigures } from './enrich-history.ts';
import { statusCounts } from './history-points.ts';
import type { BenchRunner } from './sync-history.ts';

/**
 * One weather provider and one place provider, configured as an operator would
 * (`WEATHER_PROVIDER`, with or without `OPENWEATHER_API_KEY`), measured in three passes on a
 * fresh copy of the synced database:
 * 1. the demo athlete's whole history, caches empty;
 * 2. the same runs again (reset to `pending`, as if stored anew): what the cache saves a re-run;
 * 3. the neighbour's whole history, with the cache the demo athlete filled: what it saves a
 *    second user of the same town.
 */
export interface ProviderPair {
  label: string;
  weather: WeatherProviderName;
  places: PlaceProviderName;
  settings(urls: BenchWorld['urls']): Config['weather'];
}

export interface PairFigures {
  pair: ProviderPair;
  demoRuns: number;
  demoLookedUp: number;
  neighbourRuns: number;
  neighbourLookedUp: number;
  first: PassFigures;
  again: PassFigures;
  neighbour: PassFigures;
  /** Before pass 1, no cache. */
  estimate: EnrichmentEstimate;
  /** Before pass 3: with the cache pass 1 filled, and (for comparison) without any. */
  neighbourEstimate: EnrichmentEstimate;
  neighbourAloneEstimate: EnrichmentEstimate;
  statuses: { demo: Record<string, number>; neighbour: Record<string, number> };
}

export async function benchPair(
  world: BenchWorld,
  synced: Blob,
  pair: ProviderPair,
  runners: { demo: BenchRunner; neighbour: BenchRunner },
  startAt: string,
): Promise<PairFigures> {
  world.clock.set(startAt);
  world.sims.openWeatherMap.reset();
  world.sims.openMeteo.reset();
  world.sims.nominatim.reset();
  const { db, close } = await openBenchDatabase(synced);
  try {
    const ledger = countingLedger(createApiLedger(db, world.clock));
    const services = createEnrichmentServices(pair.settings(world.urls), {
      ledger,
      clock: world.clock,
      userAgent: stridesyncUserAgent('http://localhost:8787'),
      sleep: world.sleep,
      http: { sleep: world.sleep },
    });
    const deps = { ...services, clock: world.clock };
    const enrich = (userId: string, catchUp: boolean) =>
      enrichHistory(world, db, deps, userId, {
        catchUp,
        reservedUnits: () => ledger.reserved(LEDGER_PROVIDER.openMeteo),
      });
    // The passes' slices of 500 runs, from the bench's clock, calls answered at once.
    const providers = {
      weatherProvider: pair.weather,
      placeProvider: pair.places,
      batchRuns: 500,
      startMs: world.clock.now(),
      timing: { weatherCallMs: 0, placeCallMs: 0, batchWorkMs: 0 },
    };
    const demo = await storedRuns(db, runners.demo.userId);
    const neighbourHistory = await storedRuns(db, runners.neighbour.userId);

    const estimate = estimateEnrichment(demo.points, providers);
    const first = await enrich(runners.demo.userId, true);
    const demoStatuses = await statusCounts(db, runners.demo.userId);

    await resetToPending(db, runners.demo.userId);
    const again = await enrich(runners.demo.userId, false);

    const cached = await cachedKeys(db, neighbourHistory.points, {
      weather: pair.weather,
      places: pair.places,
    });
    const neighbourEstimate = estimateEnrichment(neighbourHistory.points, { ...providers, cached });
    const neighbourAloneEstimate = estimateEnrichment(neighbourHistory.points, providers);
    const neighbour = await enrich(runners.neighbour.userId, true);
    return {
      pair,
      demoRuns: demo.runs,
      demoLookedUp: demo.points.length,
      neighbourRuns: neighbourHistory.runs,
      neighbourLookedUp: neighbourHistory.points.length,
      first,
      again,
      neighbour,
      estimate,
      neighbourEstimate,
      neighbourAloneEstimate,
      statuses: { demo: demoStatuses, neighbour: await statusCounts(db, runners.neighbour.userId) },
    };
  } finally {
    await close();
  }
}

/**
 * The user's looked-up runs back to waiting for weather and place, as a fresh sync stores them;
 * `not_applicable` (no GPS, virtual, manual) stays as the sync set it.
 */
async function resetToPending(db: Database, userId: string): Promise<void> {
  await db.query(
    `update activities set weather_status = 'pending', weather_error = null,
       weather_attempts = 0, weather_retry_at = null
     where user_id = $1 and deleted_at is null and weather_status <> 'not_applicable'`,
    [userId],
  );
  await db.query(
    `update activities set place_status = 'pending', place_error = null,
       place_attempts = 0, place_retry_at = null
     where user_id = $1 and deleted_at is null and place_status <> 'not_applicable'`,
    [userId],
  );
}
