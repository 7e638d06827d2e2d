import type { BudgetLine } from './rate-windows.ts';

/**
 * Per-provider caps kept in the shared ledger (`api_budget`), so every worker, function and
 * machine spends one budget. Defaults stay inside each provider's free terms:
 * - OpenWeatherMap: One Call by Call is free for 1,000 calls per UTC day and billed per call
 *   beyond, so the default never spends money unless the operator raises it; every endpoint of
 *   a key shares 60 calls per minute. Reverse geocoding is not One Call and has its own cap.
 * - Open-Meteo (free, non-commercial): 600 calls/minute, 5,000/hour, 10,000/day, counted in
 *   weighted calls (see archive-chunks.ts). A daily cap of 5,000 keeps the hourly limit too,
 *   which the ledger's windows (minute, 15 min, day) cannot express directly.
 * - Nominatim (the OSMF public server): at most 1 request per second and no bulk use; the
 *   minute line holds the rate across processes, the daily cap keeps backfills modest.
 */
export interface ProviderLimits {
  openWeatherMap: { oneCallPerDay: number; geocodingPerDay: number; perMinute: number };
  openMeteo: { weightedPerDay: number; weightedPerMinute: number };
  nominatim: { perDay: number; perMinute: number };
}

export const DEFAULT_PROVIDER_LIMITS: ProviderLimits = {
  openWeatherMap: { oneCallPerDay: 1000, geocodingPerDay: 10_000, perMinute: 60 },
  openMeteo: { weightedPerDay: 5000, weightedPerMinute: 600 },
  nominatim: { perDay: 2500, perMinute: 60 },
};

/** Ledger provider names: OpenWeatherMap's One Call and geocoding share one key, so one name. */
export const LEDGER_PROVIDER = {
  openWeatherMap: 'openweathermap',
  openMeteo: 'open-meteo',
  nominatim: 'nominatim',
} as const;

/** The two lines every provider call spends: a per-minute rate and a daily cap. */
export interface BudgetPair {
  minute: BudgetLine;
  daily: BudgetLine;
}

export function budgetLines(pair: BudgetPair): BudgetLine[] {
  return [pair.minute, pair.daily];
}

/** A ledger line of a provider's calls and which of its limits holds it. */
interface LineSource<Limits> {
  bucket: string;
  limit: keyof Limits;
}

interface BudgetSource<Limits> {
  minute: LineSource<Limits>;
  daily: LineSource<Limits>;
}

/**
 * The ledger lines each kind of call spends. OpenWeatherMap's One Call and geocoding share the
 * key's minute line but each has its own day.
 */
export const PROVIDER_BUDGETS: {
  oneCall: BudgetSource<ProviderLimits['openWeatherMap']>;
  owmGeocoding: BudgetSource<ProviderLimits['openWeatherMap']>;
  openMeteo: BudgetSource<ProviderLimits['openMeteo']>;
  nominatim: BudgetSource<ProviderLimits['nominatim']>;
} = {
  oneCall: {
    minute: { bucket: 'calls:minute', limit: 'perMinute' },
    daily: { bucket: 'onecall:daily', limit: 'oneCallPerDay' },
  },
  owmGeocoding: {
    minute: { bucket: 'calls:minute', limit: 'perMinute' },
    daily: { bucket: 'geocoding:daily', limit: 'geocodingPerDay' },
  },
  openMeteo: {
    minute: { bucket: 'weighted:minute', limit: 'weightedPerMinute' },
    daily: { bucket: 'weighted:daily', limit: 'weightedPerDay' },
  },
  nominatim: {
    minute: { bucket: 'calls:minute', limit: 'perMinute' },
    daily: { bucket: 'calls:daily', limit: 'perDay' },
  },
};

/** The lines `source` names, held to the provider's `limits`. */
export function budgetOf<Limits extends Record<keyof Limits, number>>(
  source: BudgetSource<Limits>,
  limits: Limits,
): BudgetPair {
  return {
    minute: { bucket: source.minute.bucket, window: 'minute', limit: limits[source.minute.limit] },
    daily: { bucket: source.daily.bucket, window: 'daily', limit: limits[source.daily.limit] },
  };
}

/** Merges partial overrides (from configuration or a test) onto the defaults. */
export function resolveLimits(overrides: PartialLimits = {}): ProviderLimits {
  return {
    openWeatherMap: { ...DEFAULT_PROVIDER_LIMITS.openWeatherMap, ...overrides.openWeatherMap },
    openMeteo: { ...DEFAULT_PROVIDER_LIMITS.openMeteo, ...overrides.openMeteo },
    nominatim: { ...DEFAULT_PROVIDER_LIMITS.nominatim, ...overrides.nominatim },
  };
}

export type PartialLimits = { [P in keyof ProviderLimits]?: Partial<ProviderLimits[P]> };
