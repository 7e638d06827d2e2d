import type { Clock } from '../core/clock.ts';
import { createResilientFetch, type ResilientFetchOptions } from '../net/resilient-fetch.ts';
import type { ApiLedger } from '../store/api-ledger.ts';
import { countryName } from './country-names.ts';
import { classifyOwmFailure } from './openweathermap-failures.ts';
import { owmReverseGeocodeSchema } from './openweathermap-schemas.ts';
import { type PlaceOutcome, type PlaceProvider, resolveEachCell } from './place-provider.ts';
import { callFailed, readJsonBody, spendWindow, type WindowWaits } from './provider-calls.ts';
import {
  budgetLines,
  LEDGER_PROVIDER,
  owmGeocodingBudget,
  type ProviderLimits,
} from './provider-limits.ts';
import { type Cell, cellCentre, cellKey, PLACE_CELLS_PER_DEGREE } from './weather-cell.ts';

/**
 * OpenWeatherMap's reverse geocoding (`/geo/1.0/reverse`, any key, not One Call): the nearest
 * named place, with its English name, state and ISO country code. An empty list means nothing
 * named is near: a final answer (`none`). Spends the key's per-minute line and its own daily
 * line, never the One Call budget.
 */
export interface OpenWeatherMapPlacesOptions {
  apiUrl: string;
  apiKey: string;
  ledger: ApiLedger;
  clock: Clock;
  limits: ProviderLimits['openWeatherMap'];
  waits: WindowWaits;
  http?: Partial<Omit<ResilientFetchOptions, 'service' | 'clock'>>;
}

const SERVICE = 'OpenWeatherMap geocoding';
const REVERSE_PATH = '/geo/1.0/reverse';

export function createOpenWeatherMapPlaces(o: OpenWeatherMapPlacesOptions): PlaceProvider {
  const send = createResilientFetch({ service: SERVICE, clock: o.clock, ...o.http });
  const budget = owmGeocodingBudget(o.limits);
  let calls = 0;

  async function resolveCell(cell: Cell): Promise<[string, PlaceOutcome][]> {
    const { lat, lng } = cellCentre(cell, PLACE_CELLS_PER_DEGREE);
    const url = new URL(`${o.apiUrl}${REVERSE_PATH}`);
    url.search = new URLSearchParams({
      lat: lat.toFixed(2),
      lon: lng.toFixed(2),
      limit: '1',
      appid: o.apiKey,
    }).toString();
    const response = await send(
      url.toString(),
      { headers: { accept: 'application/json' } },
      {
        beforeAttempt: async () => {
          await o.ledger.reserve(LEDGER_PROVIDER.openWeatherMap, budgetLines(budget));
          calls += 1;
        },
      },
    );
    const body = await readJsonBody(response);
    if (!response.ok) {
      const failure = classifyOwmFailure(response.status, body);
      if (failure.action === 'throw') throw failure.error;
      throw await spendWindow(
        o.ledger,
        LEDGER_PROVIDER.openWeatherMap,
        budget.minute,
        o.clock,
        SERVICE,
      );
    }
    const parsed = owmReverseGeocodeSchema.safeParse(body);
    if (!parsed.success) throw callFailed(SERVICE, 'unexpected reverse geocoding body');
    const nearest = parsed.data[0];
    if (!nearest) return [[cellKey(cell), { kind: 'none', provider: 'openweathermap', raw: body }]];
    const code = nearest.country?.toUpperCase() ?? null;
    const place = {
      provider: 'openweathermap' as const,
      city: nearest.local_names?.en ?? nearest.name,
      state: nearest.state ?? null,
      country: countryName(code),
      countryCode: code,
    };
    return [[cellKey(cell), { kind: 'found', place, raw: nearest }]];
  }

  return {
    name: 'openweathermap',
    async resolve(cells) {
      const before = calls;
      const batch = await resolveEachCell(cells, resolveCell, o.waits);
      return { ...batch, calls: calls - before };
    },
  };
}
