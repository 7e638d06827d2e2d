import type { BudgetPair } from '../budget/provider-limits.ts';
import {
  budgetOf,
  LEDGER_PROVIDER,
  type PartialLimits,
  PROVIDER_BUDGETS,
  resolveLimits,
} from '../budget/provider-limits.ts';
import { ENRICH_BATCH } from '../enrichment/enrichment-pass.ts';
import type { PlaceProviderName } from '../enrichment/geocoding/place-provider.ts';
import {
  cellKey,
  cellOf,
  DAY_MS,
  HOUR_MS,
  PLACE_CELLS_PER_DEGREE,
  utcDay,
  type WeatherSlot,
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
import { DEFAULT_ARCHIVE_DELAY_DAYS } from '../enrichment/providers/open-meteo/open-meteo-weather.ts';
import type { WeatherProviderName } from '../enrichment/weather/weather-observation.ts';
import { type EstimateTiming, resolveTiming } from './estimate-settings.ts';
import { type CallKind, createPaceModel, type LineUse, type PaceLine } from './paced-calls.ts';

/**
 * Before a sync: how many weather and place lookups a history needs, how many provider calls
 * they cost, what they cost in money and how long they take. It replays what the sync does:
 * the waiting runs oldest first, in the sync's batches (`ENRICH_BATCH` runs), weather then
 * places per batch; in each batch the cache first (filled by the batches before), then one
 * call per missing 0.1° cell and UTC hour (OpenWeatherMap), per cell and date range of the
 * batch's days (Open-Meteo, archive-chunks.ts, weighted as Open-Meteo counts), per missing
 * 0.01° cell (places; none with the offline gazetteer). Runs too recent for the archive are looked up later (`waiting`). The
 * calls are timed one after another (paced-calls.ts) under the ledger's lines — OpenWeatherMap's
 * 60 a minute shared by One Call and geocoding, Open-Meteo's weighted minute, Nominatim's one a
 * second, every daily cap (the rest goes on at midnight UTC, as the deferred work does) — from
 * what the ledger has spent already, with each call's response time and stridesync's own work
 * per batch. Not counted: retries and failures.
 */
export interface EstimatePoint {
  lat: number;
  lng: number;
  /** The instant whose weather is wanted: the run's midpoint (`runMidpoint`). */
  at: Date;
}

/** OpenWeatherMap One Call by Call: 1,000 calls per day free, then 0.0012 GBP (≈ 0.0015 USD) each. */
export const OWM_ONE_CALL_PRICING = { freeCallsPerDay: 1000, usdPerCall: 0.0015 };

/** OpenWeatherMap asks an hour once it is over and has settled (`availableAt` of its client). */
const OWM_AVAILABLE_AFTER_MS = 2 * HOUR_MS;

export interface EstimateOptions {
  weatherProvider: WeatherProviderName;
  placeProvider: PlaceProviderName;
  limits?: PartialLimits;
  pricing?: typeof OWM_ONE_CALL_PRICING;
  /** Keys already cached: `weatherSlotKey` for weather, `cellKey` (0.01°) for places. */
  cached?: { weather?: ReadonlySet<string>; places?: ReadonlySet<string> };
  /** Runs waiting for a place, when they are not the runs waiting for weather. */
  placePoints?: readonly EstimatePoint[];
  /** When enrichment starts (epoch ms): the archive's delay and the calendar windows count from it. */
  startMs?: number;
  /** What the ledger has spent already in the current windows (`provider:bucket` names). */
  spent?: readonly LineUse[];
  timing?: Partial<EstimateTiming>;
  /** Runs per enrichment batch; the sync's by default. */
  batchRuns?: number;
  chunkPolicy?: ChunkPolicy;
}

export interface CallEstimate {
  /** Runs to look up (waiting now, or expected from Strava). */
  lookups: number;
  /** Distinct slots (weather) or cells (places) the cache answers, batch by batch, as enrichment counts them. */
  cacheHits: number;
  /** Of `lookups`, runs too recent for the provider: looked up once it has their hour. */
  waiting: number;
  calls: number;
  /** What the provider's quota counts: Open-Meteo's weighted calls, else the calls. */
  quotaUnits: number;
  /** Calendar days (UTC) the calls take, daily caps included (1 when they fit in today's). */
  days: number;
  costUsd: number;
  /** Time on this provider's calls: their waits and response times. */
  durationMs: number;
}

/**
 * When weather arrives, for a history a daily cap spreads over days: the runs whose weather is
 * in before the ledger's daily windows reset (today's remaining budget, the cache, and the calls
 * made before then), and when the last call goes out.
 */
export interface WeatherDays {
  /** Runs looked up that get weather before the daily windows reset (midnight UTC after `startMs`). */
  runsToday: number;
  /** When the last weather call is made (epoch ms); undefined when no call is needed. */
  finishesAtMs: number | undefined;
}

export interface EnrichmentEstimate {
  weather: CallEstimate & WeatherDays & { provider: WeatherProviderName };
  places: CallEstimate & { provider: PlaceProviderName };
  /** Weather and places batch after batch, with stridesync's own work. */
  durationMs: number;
}

interface Half {
  lookups: number;
  cacheHits: number;
  waiting: number;
  calls: number;
  quotaUnits: number;
}

export function estimateEnrichment(
  points: readonly EstimatePoint[],
  o: EstimateOptions,
): EnrichmentEstimate {
  const limits = resolveLimits(o.limits);
  const timing = resolveTiming(o.timing);
  const startMs = o.startMs ?? Date.now();
  const batchRuns = o.batchRuns ?? ENRICH_BATCH;
  const kinds = callKinds(o, limits, timing);
  const pace = createPaceModel(startMs, o.spent);
  const weatherCached = new Set(o.cached?.weather);
  const placeCached = new Set(o.cached?.places);
  const weatherTodo = oldestFirst(points);
  const placeTodo = oldestFirst(o.placePoints ?? points);
  const weather: Half = { lookups: 0, cacheHits: 0, waiting: 0, calls: 0, quotaUnits: 0 };
  const places: Half = { lookups: 0, cacheHits: 0, waiting: 0, calls: 0, quotaUnits: 0 };
  const batches = Math.ceil(Math.max(weatherTodo.length, placeTodo.length) / batchRuns);
  // When each slot's weather is in: cached ones at once, the others when their call goes out.
  const servedAt = new Map<string, number>();
  const resetMs = (utcDay(startMs) + 1) * DAY_MS;
  let runsToday = 0;

  for (let b = 0; b < batches; b++) {
    const now = pace.now();
    const weatherBatch = weatherTodo.slice(b * batchRuns, (b + 1) * batchRuns);
    const slots = distinct(
      weatherBatch.map((p) => weatherSlotOf(p.lat, p.lng, p.at.getTime())),
      weatherSlotKey,
    );
    const available = (slot: WeatherSlot) =>
      o.weatherProvider === 'openweathermap'
        ? slot.hourMs + OWM_AVAILABLE_AFTER_MS <= now
        : (utcDay(slot.hourMs) + DEFAULT_ARCHIVE_DELAY_DAYS) * DAY_MS <= now;
    weather.lookups += weatherBatch.length;
    weather.waiting += weatherBatch.filter(
      (p) => !available(weatherSlotOf(p.lat, p.lng, p.at.getTime())),
    ).length;
    const hits = slots.filter((slot) => weatherCached.has(weatherSlotKey(slot)));
    weather.cacheHits += hits.length;
    const missing = slots.filter((s) => !weatherCached.has(weatherSlotKey(s)) && available(s));
    for (const call of weatherCalls(missing, o)) {
      const sentAt = pace.call(
        o.weatherProvider === 'openweathermap' ? kinds.oneCall : kinds.openMeteo,
        call.weight,
      );
      for (const slot of call.slots) servedAt.set(weatherSlotKey(slot), sentAt);
      weather.calls += 1;
      weather.quotaUnits += call.weight;
    }
    for (const slot of missing) weatherCached.add(weatherSlotKey(slot));
    for (const p of weatherBatch) {
      const slot = weatherSlotOf(p.lat, p.lng, p.at.getTime());
      if (available(slot) && (servedAt.get(weatherSlotKey(slot)) ?? now) < resetMs) runsToday += 1;
    }

    const placeBatch = placeTodo.slice(b * batchRuns, (b + 1) * batchRuns);
    const cells = distinct(
      placeBatch.map((p) => cellKey(cellOf(p.lat, p.lng, PLACE_CELLS_PER_DEGREE))),
      (key) => key,
    );
    places.lookups += placeBatch.length;
    // The offline gazetteer answers in-process: no call, no cache, no wait.
    for (const cell of o.placeProvider === 'offline' ? [] : cells) {
      if (placeCached.has(cell)) {
        places.cacheHits += 1;
        continue;
      }
      pace.call(kinds.places);
      places.calls += 1;
      places.quotaUnits += 1;
      placeCached.add(cell);
    }
    pace.work(timing.batchWorkMs);
  }

  const daysOf = (service: string) => {
    const lastDay = Math.max(utcDay(startMs), ...pace.callsByDay(service).keys());
    return lastDay - utcDay(startMs) + 1;
  };
  return {
    weather: {
      provider: o.weatherProvider,
      ...weather,
      days: daysOf('weather'),
      runsToday,
      finishesAtMs: servedAt.size > 0 ? Math.max(...servedAt.values()) : undefined,
      costUsd:
        o.weatherProvider === 'openweathermap' ? oneCallCost(pace.callsByDay('weather'), o) : 0,
      durationMs: pace.durationOf('weather'),
    },
    places: {
      provider: o.placeProvider,
      ...places,
      days: daysOf('places'),
      costUsd: 0,
      durationMs: pace.durationOf('places'),
    },
    durationMs: pace.now() - startMs,
  };
}

/** The calls the missing slots cost, each with its quota weight and the slots it answers. */
function weatherCalls(
  missing: readonly WeatherSlot[],
  o: EstimateOptions,
): { weight: number; slots: WeatherSlot[] }[] {
  if (o.weatherProvider === 'openweathermap')
    return missing.map((slot) => ({ weight: 1, slots: [slot] }));
  const slotsByCell = new Map<string, WeatherSlot[]>();
  for (const slot of missing) {
    const slots = slotsByCell.get(cellKey(slot)) ?? [];
    slots.push(slot);
    slotsByCell.set(cellKey(slot), slots);
  }
  return [...slotsByCell.values()].flatMap((slots) =>
    planArchiveChunks(
      slots.map((slot) => utcDay(slot.hourMs)),
      o.chunkPolicy ?? DEFAULT_CHUNK_POLICY,
    ).map((range) => ({
      weight: Math.ceil(archiveCallWeight(range, ARCHIVE_HOURLY_VARIABLES.length)),
      slots: slots.filter((slot) => {
        const day = utcDay(slot.hourMs);
        return day >= range.startDay && day <= range.endDay;
      }),
    })),
  );
}

/** Each day's One Call calls beyond the free 1,000 are billed; the cap decides how many a day makes. */
function oneCallCost(byDay: ReadonlyMap<number, number>, o: EstimateOptions): number {
  const pricing = o.pricing ?? OWM_ONE_CALL_PRICING;
  let billable = 0;
  for (const calls of byDay.values()) billable += Math.max(0, calls - pricing.freeCallsPerDay);
  return Math.round(billable * pricing.usdPerCall * 100) / 100;
}

/** The ledger lines each kind of call spends, named `provider:bucket` as the ledger names them. */
function callKinds(
  o: EstimateOptions,
  limits: ReturnType<typeof resolveLimits>,
  timing: EstimateTiming,
): { oneCall: CallKind; openMeteo: CallKind; places: CallKind } {
  const lines = (provider: string, pair: BudgetPair): PaceLine[] =>
    [pair.minute, pair.daily].map((line) => ({
      name: `${provider}:${line.bucket}`,
      windowMs: line.window === 'minute' ? 60_000 : DAY_MS,
      limit: line.limit,
    }));
  const owm = LEDGER_PROVIDER.openWeatherMap;
  return {
    oneCall: {
      service: 'weather',
      lines: lines(owm, budgetOf(PROVIDER_BUDGETS.oneCall, limits.openWeatherMap)),
      minGapMs: 0,
      latencyMs: timing.weatherCallMs,
    },
    openMeteo: {
      service: 'weather',
      lines: lines(
        LEDGER_PROVIDER.openMeteo,
        budgetOf(PROVIDER_BUDGETS.openMeteo, limits.openMeteo),
      ),
      minGapMs: 0,
      latencyMs: timing.weatherCallMs,
    },
    places:
      o.placeProvider === 'nominatim'
        ? {
            service: 'places',
            lines: lines(
              LEDGER_PROVIDER.nominatim,
              budgetOf(PROVIDER_BUDGETS.nominatim, limits.nominatim),
            ),
            minGapMs: timing.nominatimIntervalMs,
            latencyMs: timing.placeCallMs,
          }
        : {
            service: 'places',
            lines: lines(owm, budgetOf(PROVIDER_BUDGETS.owmGeocoding, limits.openWeatherMap)),
            minGapMs: 0,
            latencyMs: timing.placeCallMs,
          },
  };
}

/** The todo order: enrichment selects the oldest waiting runs first. */
function oldestFirst(points: readonly EstimatePoint[]): EstimatePoint[] {
  return [...points].sort((a, b) => a.at.getTime() - b.at.getTime());
}

function distinct<T>(items: readonly T[], keyOf: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(keyOf(item))) seen.set(keyOf(item), item);
  return [...seen.values()];
}
