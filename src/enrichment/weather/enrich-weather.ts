import type { Clock } from '../../core/clock.ts';
import type { Database } from '../../store/database.ts';
import {
  countStatuses,
  DEFAULT_ENRICH_LIMIT,
  type EnrichmentPhase,
  type EnrichOptions,
} from '../enrichment-pass.ts';
import { type WeatherSlot, weatherSlotKey, weatherSlotOf } from '../grid-cell.ts';
import { failedAgain } from '../retry-backoff.ts';
import { runMidpoint } from './run-midpoint.ts';
import { lookupWeather, storeWeather } from './weather-cache.ts';
import { type ChainOutcome, resolveWeatherSlots } from './weather-chain.ts';
import {
  WEATHER_COLUMN_ASSIGNMENTS,
  WEATHER_COLUMN_DEFINITIONS,
  weatherColumnValues,
} from './weather-columns.ts';
import type { WeatherObservation } from './weather-observation.ts';
import type { WeatherProvider } from './weather-provider.ts';

/**
 * The weather half of enrichment: runs still waiting for weather (`pending`, or `unavailable`
 * and due for a retry), oldest first, through the cache, then the providers, then back onto
 * the runs in one statement. The weather is the hour containing the run's midpoint at its
 * start coordinates. Each update only lands if the run is still waiting and still starts where
 * and when it did when it was read: a run edited on Strava meanwhile keeps waiting for the
 * weather of its new time, rather than getting the old one.
 */

interface WeatherTodo {
  id: string;
  start_date: Date;
  elapsed_time_s: number;
  start_lat: number | null;
  start_lng: number | null;
  weather_attempts: number;
}

export async function enrichWeather(
  db: Database,
  providers: readonly WeatherProvider[],
  clock: Clock,
  options: EnrichOptions = {},
): Promise<EnrichmentPhase> {
  const todo = await selectTodo(db, clock.now(), options);
  const slotOf = new Map<string, WeatherSlot>();
  const runSlots = todo.map((run) => {
    if (run.start_lat === null || run.start_lng === null) return undefined;
    const slot = weatherSlotOf(run.start_lat, run.start_lng, midpointOf(run).getTime());
    slotOf.set(weatherSlotKey(slot), slot);
    return slot;
  });

  const slots = [...slotOf.values()];
  const cached = await lookupWeather(
    db,
    slots,
    providers.map((p) => p.name),
  );
  const missing = slots.filter((slot) => !cached.has(weatherSlotKey(slot)));
  const chain = await resolveWeatherSlots(
    missing,
    providers,
    clock,
    (entries) => storeWeather(db, entries),
    options,
  );

  const now = clock.now();
  const updates = todo.flatMap((run, i) => {
    const slot = runSlots[i];
    if (!slot) return [updateOf(run, { status: 'not_applicable' })];
    const key = weatherSlotKey(slot);
    const hit = cached.get(key);
    const outcome: ChainOutcome | undefined = hit
      ? { kind: 'observed', observation: hit }
      : chain.outcomes.get(key);
    return outcome ? toUpdates(run, outcome, now) : [];
  });
  const counts = countStatuses(todo.length, await applyUpdates(db, updates), {
    calls: chain.calls,
    cacheHits: slots.length - missing.length,
    cacheMisses: missing.length,
  });
  const deferred = [...chain.outcomes.values()].some((o) => o.kind === 'deferred');
  return { counts, halts: deferred ? chain.halts : [] };
}

function midpointOf(run: WeatherTodo): Date {
  return runMidpoint(run.start_date, run.elapsed_time_s);
}

async function selectTodo(db: Database, nowMs: number, options: EnrichOptions) {
  // Served by the partial index activities_weather_todo (start_date where still waiting).
  const { rows } = await db.query<WeatherTodo>(
    `select id, start_date, elapsed_time_s, start_lat, start_lng, weather_attempts
     from activities
     where weather_status in ('pending', 'unavailable') and deleted_at is null
       and (weather_retry_at is null or weather_retry_at <= $1)
       and ($2::uuid is null or user_id = $2::uuid)
     order by start_date
     limit $3`,
    [new Date(nowMs).toISOString(), options.userId ?? null, options.limit ?? DEFAULT_ENRICH_LIMIT],
  );
  return rows;
}

type WeatherStatus = 'enriched' | 'unavailable' | 'pending' | 'not_applicable';

interface WeatherUpdate {
  status: WeatherStatus;
  error?: string;
  attempts?: number;
  retryAt?: Date;
  observation?: WeatherObservation;
}

function toUpdates(run: WeatherTodo, outcome: ChainOutcome, nowMs: number) {
  switch (outcome.kind) {
    case 'observed':
      return [updateOf(run, { status: 'enriched', observation: outcome.observation })];
    case 'not_yet':
      return [updateOf(run, { status: 'pending', retryAt: outcome.retryAt })];
    case 'deferred':
      return [];
    default:
      return [updateOf(run, failedAgain(outcome.reason, run.weather_attempts, nowMs))];
  }
}

function updateOf(run: WeatherTodo, u: WeatherUpdate) {
  return {
    id: run.id,
    start_date: run.start_date.toISOString(),
    elapsed_time_s: run.elapsed_time_s,
    start_lat: run.start_lat,
    start_lng: run.start_lng,
    status: u.status,
    error: u.error ?? null,
    attempts: u.attempts ?? (u.status === 'enriched' ? 0 : run.weather_attempts),
    retry_at: u.retryAt?.toISOString() ?? null,
    requested_at: u.status === 'not_applicable' ? null : midpointOf(run).toISOString(),
    ...weatherColumnValues(u.observation ?? null),
  };
}

/** One statement for the whole batch; returns the statuses of the rows it actually changed. */
async function applyUpdates(
  db: Database,
  updates: ReturnType<typeof updateOf>[],
): Promise<WeatherStatus[]> {
  if (updates.length === 0) return [];
  const { rows } = await db.query<{ status: WeatherStatus }>(
    `update activities a set
       weather_status = v.status, weather_error = v.error, weather_attempts = v.attempts,
       weather_retry_at = v.retry_at, weather_requested_at = v.requested_at,
       ${WEATHER_COLUMN_ASSIGNMENTS}
     from jsonb_to_recordset($1::jsonb) as v(id bigint, start_date timestamptz,
       elapsed_time_s int, start_lat float8, start_lng float8, status text, error text,
       attempts int, retry_at timestamptz, requested_at timestamptz, ${WEATHER_COLUMN_DEFINITIONS})
     where a.id = v.id and a.deleted_at is null
       and a.weather_status in ('pending', 'unavailable')
       and a.start_date = v.start_date and a.elapsed_time_s = v.elapsed_time_s
       and a.start_lat is not distinct from v.start_lat
       and a.start_lng is not distinct from v.start_lng
     returning v.status`,
    [JSON.stringify(updates)],
  );
  return rows.map((row) => row.status);
}
