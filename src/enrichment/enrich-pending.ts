import type { Clock } from '../core/clock.ts';
import { ConfigError, RateLimitedError } from '../core/errors.ts';
import type { Database } from '../store/database.ts';
import type { EnrichmentCounts, EnrichOptions, ProviderHalt } from './enrichment-pass.ts';
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
 * - with a `deferral` when a provider's window (longer than a short pause: a spent minute, a
 *   Retry-After, a day) left runs unserved: what was fetched is stored, the rest waits untouched,
 *   and the caller comes back once the window reopens (the sync parks until then; the backfill
 *   queues its next job). Nothing sleeps through such a window;
 * - early, with the counts so far, when `options.signal` aborts (the worker stopping): the rest
 *   waits untouched for the next run;
 * - with ONE ConfigError when a provider refused the operator's settings (a bad key): the runs
 *   it could not serve wait untouched, and the sync fails with a message the operator can act
 *   on, instead of marking every run.
 */
export interface EnrichmentDeps {
  weather: readonly WeatherProvider[];
  places: readonly PlaceProvider[];
  clock: Clock;
}

/** Enrichment waits for `provider`'s window (a ledger name, e.g. `nominatim`) until `until`. */
export interface EnrichmentDeferral {
  provider: string;
  until: Date;
  /** The provider's own words on it, for the timeline and the logs. */
  error: RateLimitedError;
}

export interface EnrichmentResult {
  weather: EnrichmentCounts;
  places: EnrichmentCounts;
  deferral?: EnrichmentDeferral;
}

export async function enrichPending(
  db: Database,
  deps: EnrichmentDeps,
  options: EnrichOptions = {},
): Promise<EnrichmentResult> {
  // Order matters only for the budget: weather first, it is what the runner came for.
  const weather = await enrichWeather(db, deps.weather, deps.clock, options);
  const places = await enrichPlaces(db, deps.places, deps.clock, options);
  const halts = [...weather.halts, ...places.halts];
  const operator = halts.find((h) => h.error instanceof ConfigError);
  if (operator) throw operator.error;
  const deferral = soonestDeferral(halts);
  return { weather: weather.counts, places: places.counts, ...(deferral ? { deferral } : {}) };
}

/** Of the spent windows, the one that reopens first: something can be done again then. */
function soonestDeferral(halts: readonly ProviderHalt[]): EnrichmentDeferral | undefined {
  const spent = halts.flatMap(({ provider, error }) =>
    error instanceof RateLimitedError ? [{ provider, until: error.resumeAt, error }] : [],
  );
  spent.sort((a, b) => a.until.getTime() - b.until.getTime());
  return spent[0];
}
