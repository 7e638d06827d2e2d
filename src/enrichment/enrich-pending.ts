import type { Clock } from '../core/clock.ts';
import { type AppError, ConfigError, RateLimitedError } from '../core/errors.ts';
import { FLAG_KEYS, providerFlag } from '../core/feature-flags.ts';
import type { Database } from '../store/database.ts';
import type { FeatureFlags } from '../store/feature-flags.ts';
import { type CounterAdd, type ErrorClass, opsStore } from '../store/ops-store.ts';
import type {
  EnrichmentCounts,
  EnrichmentPhase,
  EnrichOptions,
  ProviderHalt,
} from './enrichment-pass.ts';
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
 *
 * With `flags`, one user's pass (`options.userId`) asks only the providers whose flag is on for
 * that user, and skips a half whose flag (`weather-enrichment`, `place-enrichment`) is off, or
 * whose providers are all off: its runs wait `pending`, untouched, until the flag comes back on.
 */
export interface EnrichmentDeps {
  weather: readonly WeatherProvider[];
  places: readonly PlaceProvider[];
  clock: Clock;
  /** The feature flags; absent, every flag is on. Needs `options.userId` to apply. */
  flags?: FeatureFlags;
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
  const chosen = await providersFor(deps, options.userId);
  // Order matters only for the budget: weather first, it is what the runner came for.
  const weather =
    chosen.weather.length > 0
      ? await enrichWeather(db, chosen.weather, deps.clock, options)
      : SKIPPED;
  const places =
    chosen.places.length > 0 ? await enrichPlaces(db, chosen.places, deps.clock, options) : SKIPPED;
  const halts = [...weather.halts, ...places.halts];
  await recordPass(db, deps.clock, { weather: weather.counts, place: places.counts }, halts);
  const operator = halts.find((h) => h.error instanceof ConfigError);
  if (operator) throw operator.error;
  const deferral = soonestDeferral(halts);
  return { weather: weather.counts, places: places.counts, ...(deferral ? { deferral } : {}) };
}

/** A half turned off by its flags: nothing selected, nothing asked. */
const SKIPPED: EnrichmentPhase = {
  counts: {
    enriched: 0,
    unavailable: 0,
    stillPending: 0,
    notApplicable: 0,
    calls: 0,
    cacheHits: 0,
    cacheMisses: 0,
  },
  halts: [],
};

/** The providers this user's flags leave on, per half (all of them without flags or a user). */
async function providersFor(
  deps: EnrichmentDeps,
  userId: string | undefined,
): Promise<{ weather: readonly WeatherProvider[]; places: readonly PlaceProvider[] }> {
  const { flags } = deps;
  if (!flags || userId === undefined) return deps;
  const on = (key: string) => flags.isOn(key, userId);
  const keep = async <P extends { name: string }>(half: string, providers: readonly P[]) => {
    if (!(await on(half))) return [];
    const kept: P[] = [];
    for (const provider of providers)
      if (await on(providerFlag(provider.name))) kept.push(provider);
    return kept;
  };
  return {
    weather: await keep(FLAG_KEYS.weather, deps.weather),
    places: await keep(FLAG_KEYS.places, deps.places),
  };
}

/** Of the spent windows, the one that reopens first: something can be done again then. */
function soonestDeferral(halts: readonly ProviderHalt[]): EnrichmentDeferral | undefined {
  const spent = halts.flatMap(({ provider, error }) =>
    error instanceof RateLimitedError ? [{ provider, until: error.resumeAt, error }] : [],
  );
  spent.sort((a, b) => a.until.getTime() - b.until.getTime());
  return spent[0];
}

/**
 * What the pass did, for the operator (`ops_counters`, `provider_health`): runs enriched by
 * outcome, cache hits and misses, and each halted provider's failure with its class, so health
 * and metrics name a misconfigured provider or a spent budget.
 */
async function recordPass(
  db: Database,
  clock: Clock,
  counts: { weather: EnrichmentCounts; place: EnrichmentCounts },
  halts: readonly ProviderHalt[],
): Promise<void> {
  const nowMs = clock.now();
  const adds: CounterAdd[] = Object.entries(counts).flatMap(([kind, c]) => [
    {
      name: 'stridesync_runs_enriched_total',
      labels: { kind, result: 'enriched' },
      value: c.enriched,
    },
    {
      name: 'stridesync_runs_enriched_total',
      labels: { kind, result: 'unavailable' },
      value: c.unavailable,
    },
    {
      name: 'stridesync_runs_enriched_total',
      labels: { kind, result: 'not_applicable' },
      value: c.notApplicable,
    },
    { name: 'stridesync_cache_lookups_total', labels: { kind, result: 'hit' }, value: c.cacheHits },
    {
      name: 'stridesync_cache_lookups_total',
      labels: { kind, result: 'miss' },
      value: c.cacheMisses,
    },
  ]);
  for (const { provider, error } of halts) {
    const errorClass = classOf(error);
    if (!errorClass) continue;
    if (errorClass === 'config') {
      adds.push({
        name: 'stridesync_provider_config_errors_total',
        labels: { provider, code: error.code },
        value: 1,
      });
    }
    if (error instanceof RateLimitedError) {
      adds.push(
        { name: 'stridesync_budget_waits_total', labels: { provider }, value: 1 },
        {
          name: 'stridesync_budget_wait_seconds_total',
          labels: { provider },
          value: Math.max(0, error.resumeAt.getTime() - nowMs) / 1000,
        },
      );
    }
    await opsStore.recordFailure(
      db,
      provider,
      { errorClass, code: error.code, message: error.userMessage },
      new Date(nowMs),
    );
  }
  await opsStore.add(db, adds);
}

/** A halt's class, or undefined for one that says nothing about the provider (the run stopping). */
function classOf(error: AppError): ErrorClass | undefined {
  if (error instanceof ConfigError) return 'config';
  if (error instanceof RateLimitedError) return 'rate_limited';
  return error.code === 'upstream_circuit_open' ? 'transient' : undefined;
}
