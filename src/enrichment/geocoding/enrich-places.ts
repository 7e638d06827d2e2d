import type { Clock } from '../../core/clock.ts';
import type { Database } from '../../store/database.ts';
import {
  countStatuses,
  DEFAULT_ENRICH_LIMIT,
  type EnrichmentPhase,
  type EnrichOptions,
} from '../enrichment-pass.ts';
import { type Cell, cellKey, cellOf, PLACE_CELLS_PER_DEGREE } from '../grid-cell.ts';
import { failedAgain } from '../retry-backoff.ts';
import { type CachedPlace, lookupPlaces, storePlaces } from './place-cache.ts';
import { type PlaceChainOutcome, resolvePlaceCells } from './place-chain.ts';
import type { PlaceProvider, ResolvedPlace } from './place-provider.ts';

/**
 * The place half of enrichment: runs still waiting for a city/state/country, oldest first,
 * through the place cache (0.01° cells), then the providers, then back onto the runs in one
 * statement. "No named place near the start" is a final answer: the run is `enriched` with no
 * city and the reason in `place_error`, not retried. Updates land only if the run is still
 * waiting and still starts at the coordinates it was read with.
 */

interface PlaceTodo {
  id: string;
  start_lat: number | null;
  start_lng: number | null;
  place_attempts: number;
}

export const NO_NAMED_PLACE = 'no named place near the start (at sea or in the wild)';

export async function enrichPlaces(
  db: Database,
  providers: readonly PlaceProvider[],
  clock: Clock,
  options: EnrichOptions = {},
): Promise<EnrichmentPhase> {
  const todo = await selectTodo(db, clock.now(), options);
  const cellOfKey = new Map<string, Cell>();
  const runCells = todo.map((run) => {
    if (run.start_lat === null || run.start_lng === null) return undefined;
    const cell = cellOf(run.start_lat, run.start_lng, PLACE_CELLS_PER_DEGREE);
    cellOfKey.set(cellKey(cell), cell);
    return cell;
  });

  const cells = [...cellOfKey.values()];
  const cachedBy = providers.filter((p) => p.cached).map((p) => p.name);
  const cached = await lookupPlaces(db, cells, cachedBy);
  const missing = cells.filter((cell) => !cached.has(cellKey(cell)));
  const chain = await resolvePlaceCells(
    missing,
    providers,
    (entries) => storePlaces(db, entries),
    options,
  );

  const now = clock.now();
  const updates = todo.flatMap((run, i) => {
    const cell = runCells[i];
    if (!cell) return [updateOf(run, { status: 'not_applicable' })];
    const outcome = cached.get(cellKey(cell)) ?? chain.outcomes.get(cellKey(cell));
    return outcome ? toUpdates(run, outcome, now) : [];
  });
  const counts = countStatuses(todo.length, await applyUpdates(db, updates), {
    calls: chain.calls,
    cacheHits: cells.length - missing.length,
    cacheMisses: cachedBy.length > 0 ? missing.length : 0,
  });
  const deferred = [...chain.outcomes.values()].some((o) => o.kind === 'deferred');
  return { counts, halts: deferred ? chain.halts : [] };
}

async function selectTodo(db: Database, nowMs: number, options: EnrichOptions) {
  // Served by the partial index activities_place_todo (start_date where still waiting).
  const { rows } = await db.query<PlaceTodo>(
    `select id, start_lat, start_lng, place_attempts
     from activities
     where place_status in ('pending', 'unavailable') and deleted_at is null
       and (place_retry_at is null or place_retry_at <= $1)
       and ($2::uuid is null or user_id = $2::uuid)
     order by start_date
     limit $3`,
    [new Date(nowMs).toISOString(), options.userId ?? null, options.limit ?? DEFAULT_ENRICH_LIMIT],
  );
  return rows;
}

type PlaceStatus = 'enriched' | 'unavailable' | 'not_applicable';

interface PlaceUpdate {
  status: PlaceStatus;
  place?: ResolvedPlace;
  error?: string;
  attempts?: number;
  retryAt?: Date;
}

function toUpdates(run: PlaceTodo, outcome: CachedPlace | PlaceChainOutcome, nowMs: number) {
  switch (outcome.kind) {
    case 'found':
      return [updateOf(run, { status: 'enriched', place: outcome.place })];
    case 'none':
      return [updateOf(run, { status: 'enriched', error: NO_NAMED_PLACE })];
    case 'deferred':
      return [];
    default:
      return [updateOf(run, failedAgain(outcome.reason, run.place_attempts, nowMs))];
  }
}

function updateOf(run: PlaceTodo, u: PlaceUpdate) {
  return {
    id: run.id,
    start_lat: run.start_lat,
    start_lng: run.start_lng,
    status: u.status,
    error: u.error ?? null,
    attempts: u.attempts ?? (u.status === 'enriched' ? 0 : run.place_attempts),
    retry_at: u.retryAt?.toISOString() ?? null,
    city: u.place?.city ?? null,
    state: u.place?.state ?? null,
    country: u.place?.country ?? null,
    country_code: u.place?.countryCode ?? null,
    provider: u.place?.provider ?? null,
  };
}

async function applyUpdates(
  db: Database,
  updates: ReturnType<typeof updateOf>[],
): Promise<PlaceStatus[]> {
  if (updates.length === 0) return [];
  const { rows } = await db.query<{ status: PlaceStatus }>(
    `update activities a set
       place_status = v.status, place_error = v.error, place_attempts = v.attempts,
       place_retry_at = v.retry_at, city = v.city, state = v.state, country = v.country,
       country_code = v.country_code, place_provider = v.provider
     from jsonb_to_recordset($1::jsonb) as v(id bigint, start_lat float8, start_lng float8,
       status text, error text, attempts int, retry_at timestamptz, city text, state text,
       country text, country_code text, provider text)
     where a.id = v.id and a.deleted_at is null
       and a.place_status in ('pending', 'unavailable')
       and a.start_lat is not distinct from v.start_lat
       and a.start_lng is not distinct from v.start_lng
     returning v.status`,
    [JSON.stringify(updates)],
  );
  return rows.map((row) => row.status);
}
