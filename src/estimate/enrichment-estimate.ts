import { type PartialLimits, resolveLimits } from '../budget/provider-limits.ts';
import type { PlaceProviderName } from '../enrichment/geocoding/place-provider.ts';
import {
  cellKey,
  cellOf,
  DAY_MS,
  PLACE_CELLS_PER_DEGREE,
  utcDay,
  weatherSlotKey,
  weatherSlotOf,
} from '../enrichment/grid-cell.ts';
import {
  archiveCallWeight,
  type ChunkPolicy,
  DEFAULT_CHUNK_POLICY,
  planArchiveChunks,
} from '../enrichment/providers/open-meteo/archive-chunks.ts';
import { ARCHIVE_HOURLY_VARIABLES } from '../enrichment/providers/open-meteo/open-meteo-archive.ts';
import type { WeatherProviderName } from '../enrichment/weather/weather-observation.ts';

/**
 * Before a sync: how many provider calls a history will cost, what it costs in money and how
 * long it takes under the daily and per-minute caps. Counted exactly as enrichment will call:
 * OpenWeatherMap one call per distinct 0.1° cell and UTC hour; Open-Meteo one call per cell and
 * date range (archive-chunks.ts), weighted as Open-Meteo counts; places one call per 0.01° cell.
 * Entries already in the caches (pass their keys) cost nothing. Not counted: retries, and runs
 * too recent for the archive (they are asked later). Time assumes calls one after another at
 * `latencyMs` each or the per-minute cap, whichever is slower, and a full day's wait for each
 * daily cap spent (the real wait is until midnight UTC, so often less).
 */
export interface EstimatePoint {
  lat: number;
  lng: number;
  /** The instant whose weather is wanted: the run's midpoint (`runMidpoint`). */
  at: Date;
}

/** OpenWeatherMap One Call by Call: 1,000 calls per day free, then 0.0012 GBP (≈ 0.0015 USD) each. */
export const OWM_ONE_CALL_PRICING = { freeCallsPerDay: 1000, usdPerCall: 0.0015 };

export interface EstimateOptions {
  weatherProvider: WeatherProviderName;
  placeProvider: PlaceProviderName;
  limits?: PartialLimits;
  pricing?: typeof OWM_ONE_CALL_PRICING;
  /** Keys already cached: `weatherSlotKey` for weather, `cellKey` (0.01°) for places. */
  cached?: { weather?: ReadonlySet<string>; places?: ReadonlySet<string> };
  latencyMs?: number;
  chunkPolicy?: ChunkPolicy;
}

export interface CallEstimate {
  calls: number;
  /** What the provider's quota counts: Open-Meteo's weighted calls, else the calls. */
  quotaUnits: number;
  /** Calendar days of daily caps the calls need (1 when they fit in today's). */
  days: number;
  costUsd: number;
  durationMs: number;
}

export interface EnrichmentEstimate {
  weather: CallEstimate & { provider: WeatherProviderName };
  places: CallEstimate & { provider: PlaceProviderName };
  /** Weather and places run one after the other. */
  durationMs: number;
}

const DEFAULT_LATENCY_MS = 250;

export function estimateEnrichment(
  points: readonly EstimatePoint[],
  o: EstimateOptions,
): EnrichmentEstimate {
  const limits = resolveLimits(o.limits);
  const latencyMs = o.latencyMs ?? DEFAULT_LATENCY_MS;
  const weather =
    o.weatherProvider === 'openweathermap'
      ? owmEstimate(points, o, limits.openWeatherMap, latencyMs)
      : openMeteoEstimate(points, o, limits.openMeteo, latencyMs);
  const cells = new Set(
    points
      .map((p) => cellKey(cellOf(p.lat, p.lng, PLACE_CELLS_PER_DEGREE)))
      .filter((key) => !o.cached?.places?.has(key)),
  );
  const placeLimits =
    o.placeProvider === 'nominatim'
      ? { perDay: limits.nominatim.perDay, intervalMs: 60_000 / limits.nominatim.perMinute }
      : {
          perDay: limits.openWeatherMap.geocodingPerDay,
          intervalMs: 60_000 / limits.openWeatherMap.perMinute,
        };
  const places = sequential(
    Array.from(cells, () => 1),
    placeLimits.perDay,
    Math.max(latencyMs, placeLimits.intervalMs),
  );
  return {
    weather: { provider: o.weatherProvider, ...weather },
    places: { provider: o.placeProvider, ...places, costUsd: 0 },
    durationMs: weather.durationMs + places.durationMs,
  };
}

function owmEstimate(
  points: readonly EstimatePoint[],
  o: EstimateOptions,
  limits: { oneCallPerDay: number; perMinute: number },
  latencyMs: number,
): CallEstimate {
  const pricing = o.pricing ?? OWM_ONE_CALL_PRICING;
  const slots = new Set(
    points
      .map((p) => weatherSlotKey(weatherSlotOf(p.lat, p.lng, p.at.getTime())))
      .filter((key) => !o.cached?.weather?.has(key)),
  );
  const run = sequential(
    Array.from(slots, () => 1),
    limits.oneCallPerDay,
    Math.max(latencyMs, 60_000 / limits.perMinute),
  );
  // Each day's calls beyond the free 1,000 are billed; the cap decides how many a day makes.
  let billable = 0;
  for (let left = run.calls; left > 0; left -= limits.oneCallPerDay) {
    billable += Math.max(0, Math.min(left, limits.oneCallPerDay) - pricing.freeCallsPerDay);
  }
  return { ...run, costUsd: Math.round(billable * pricing.usdPerCall * 100) / 100 };
}

function openMeteoEstimate(
  points: readonly EstimatePoint[],
  o: EstimateOptions,
  limits: { weightedPerDay: number; weightedPerMinute: number },
  latencyMs: number,
): CallEstimate {
  const daysByCell = new Map<string, number[]>();
  for (const p of points) {
    const slot = weatherSlotOf(p.lat, p.lng, p.at.getTime());
    if (o.cached?.weather?.has(weatherSlotKey(slot))) continue;
    const days = daysByCell.get(cellKey(slot)) ?? [];
    days.push(utcDay(slot.hourMs));
    daysByCell.set(cellKey(slot), days);
  }
  const weights = [...daysByCell.values()].flatMap((days) =>
    planArchiveChunks(days, o.chunkPolicy ?? DEFAULT_CHUNK_POLICY).map((range) =>
      Math.ceil(archiveCallWeight(range, ARCHIVE_HOURLY_VARIABLES.length)),
    ),
  );
  const units = weights.reduce((sum, w) => sum + w, 0);
  const meanWeight = weights.length === 0 ? 1 : units / weights.length;
  const intervalMs = Math.max(latencyMs, (meanWeight * 60_000) / limits.weightedPerMinute);
  return { ...sequential(weights, limits.weightedPerDay, intervalMs), costUsd: 0 };
}

/**
 * Calls of the given quota weights, one after another `intervalMs` apart, at most `perDay`
 * quota units a day: the days needed, and the time (a full day per spent cap, then the last
 * day's share of the calls).
 */
function sequential(
  weights: readonly number[],
  perDay: number,
  intervalMs: number,
): Omit<CallEstimate, 'costUsd'> {
  const quotaUnits = weights.reduce((sum, w) => sum + w, 0);
  const days = Math.max(1, Math.ceil(quotaUnits / perDay));
  const lastDayUnits = quotaUnits - (days - 1) * perDay;
  const lastDayCalls = Math.ceil((weights.length * lastDayUnits) / Math.max(1, quotaUnits));
  return {
    calls: weights.length,
    quotaUnits,
    days,
    durationMs: (days - 1) * DAY_MS + lastDayCalls * intervalMs,
  };
}
