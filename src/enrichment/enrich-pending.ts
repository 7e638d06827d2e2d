import type { Clock } from '../core/clock.ts';
import { type AppError, ConfigError, RateLimitedError } from '../core/errors.ts';
import type { Database } from '../store/database.ts';
import type { EnrichmentCounts, EnrichOptions } from './enrichment-pass.ts';
import { enrichPlaces } from './geocoding/enrich-places.ts';
import type { PlaceProvider } from './geocoding/place-provider.ts';
import { enrichWeather } from './weather/enrich-weather.ts';
import type { WeatherProvider } from './weather/weather-provider.ts';

/**
 * The enriching phase's one slice: weather, then places, for up to `limit` waiting runs each
 * (oldest first; one user's, or everyone's for the scheduled backfill). Providers are tried in
 * order (`createEnrichmentServices` puts the preferred first); caches first, writes after every
 * provider batch, one update statement per half.
 *
 * How it ends:
 * - normally, with the counts; failed lookups are on the runs (`unavailable` + reason + retry
 *   time), too-recent runs wait `pending` until the archive has their hour;
 * - with ONE ConfigError when a provider refused the operator's settings (a bad key): the runs
 *   it could not serve wait untouched, and the sync fails with a message the operator can act
 *   on, instead of marking every run;
 * - with a RateLimitedError when a budget ran out before every run was served: what was
 *   fetched is stored, the rest waits untouched, and the sync parks until `resumeAt`.
 */
export interface EnrichmentDeps {
  weather: readonly WeatherProvider[];
  places: readonly PlaceProvider[];
  clock: Clock;
}

export interface EnrichmentResult {
  weather: EnrichmentCounts;
  places: EnrichmentCounts;
}

export async function enrichPending(
  db: Database,
  deps: EnrichmentDeps,
  options: EnrichOptions = {},
): Promise<EnrichmentResult> {
  // Order matters only for the budget: weather first, it is what the runner came for.
  const weather = await enrichWeather(db, deps.weather, deps.clock, options);
  const places = await enrichPlaces(db, deps.places, deps.clock, options);
  const stop = stoppingError([...weather.halts, ...places.halts]);
  if (stop) throw stop;
  return { weather: weather.counts, places: places.counts };
}

/** The operator's problem first; else the budget that frees up soonest. */
function stoppingError(halts: readonly AppError[]): AppError | undefined {
  const operator = halts.find((e) => e instanceof ConfigError);
  if (operator) return operator;
  const spent = halts.filter((e): e is RateLimitedError => e instanceof RateLimitedError);
  spent.sort((a, b) => a.resumeAt.getTime() - b.resumeAt.getTime());
  return spent[0];
}
