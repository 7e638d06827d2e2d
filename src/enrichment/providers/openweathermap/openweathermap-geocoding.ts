import { budgetOf, LEDGER_PROVIDER, PROVIDER_BUDGETS } from '../../../budget/provider-limits.ts';
import { countryName } from '../../geocoding/country-names.ts';
import {
  type PlaceOutcome,
  type PlaceProvider,
  resolveEachCell,
} from '../../geocoding/place-provider.ts';
import { type Cell, cellCentre, cellKey, PLACE_CELLS_PER_DEGREE } from '../../grid-cell.ts';
import { callFailed, type PassBounds, spendWindow } from '../../provider-calls.ts';
import { classifyOwmFailure } from './openweathermap-failures.ts';
import { createOwmRequester, type OpenWeatherMapOptions } from './openweathermap-request.ts';
import { owmReverseGeocodeSchema } from './openweathermap-schemas.ts';

const SERVICE = 'OpenWeatherMap geocoding';
const REVERSE_PATH = '/geo/1.0/reverse';

/**
 * OpenWeatherMap's reverse geocoding (`/geo/1.0/reverse`, any key, not One Call): the nearest
 * named place, with its English name, state and ISO country code. An empty list means nothing
 * named is near: a final answer (`none`). Spends the key's per-minute line and its own daily
 * line, never the One Call budget.
 */
export function createOpenWeatherMapPlaces(o: OpenWeatherMapOptions): PlaceProvider {
  const budget = budgetOf(PROVIDER_BUDGETS.owmGeocoding, o.limits);
  const owm = createOwmRequester(o, SERVICE, budget);

  async function resolveCell(cell: Cell, bounds: PassBounds): Promise<[string, PlaceOutcome][]> {
    const { lat, lng } = cellCentre(cell, PLACE_CELLS_PER_DEGREE);
    const { response, body } = await owm.get(
      REVERSE_PATH,
      { lat: lat.toFixed(2), lon: lng.toFixed(2), limit: '1' },
      bounds,
    );
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
    cached: true,
    async resolve(cells, bounds) {
      const before = owm.calls;
      const batch = await resolveEachCell(cells, resolveCell, o.waits, bounds);
      return { ...batch, calls: owm.calls - before };
    },
  };
}
