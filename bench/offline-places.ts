import { cellOf, PLACE_CELLS_PER_DEGREE } from '../src/enrichment/grid-cell.ts';
import {
  GAZETTEER_PROVENANCE,
  loadGazetteer,
} from '../src/enrichment/providers/geonames/geonames-gazetteer.ts';
import { createGeoNamesPlaces } from '../src/enrichment/providers/geonames/geonames-places.ts';

/**
 * `npm run bench -- places-offline`: the offline gazetteer's cost (docs/weather.md): the first
 * lookup's load (reading and parsing the package's JSON, building the index), the heap it keeps,
 * and the lookups' time per 1,000 cells, through the provider as enrichment calls it.
 */
export interface OfflinePlacesFigures {
  provenance: string;
  places: number;
  loadMs: number;
  heapMb: number;
  rssMb: number;
  msPer1000: number;
  lookups: number;
}

const LOOKUPS = 100_000;

export async function benchOfflinePlaces(): Promise<OfflinePlacesFigures> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage();
  const loadStarted = performance.now();
  const gazetteer = await loadGazetteer();
  const loadMs = performance.now() - loadStarted;
  gc?.();
  const after = process.memoryUsage();

  // Starts spread over the inhabited latitudes, in batches of the enrichment's size.
  let seed = 42;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const cells = Array.from({ length: LOOKUPS }, () =>
    cellOf(-50 + random() * 120, -180 + random() * 360, PLACE_CELLS_PER_DEGREE),
  );
  const provider = createGeoNamesPlaces();
  const started = performance.now();
  for (let i = 0; i < cells.length; i += 200) await provider.resolve(cells.slice(i, i + 200));
  const lookupMs = performance.now() - started;
  return {
    provenance: GAZETTEER_PROVENANCE,
    places: gazetteer.size,
    loadMs,
    heapMb: (after.heapUsed - before.heapUsed) / 2 ** 20,
    rssMb: (after.rss - before.rss) / 2 ** 20,
    msPer1000: (lookupMs / LOOKUPS) * 1000,
    lookups: LOOKUPS,
  };
}

export function printOfflinePlaces(f: OfflinePlacesFigures): void {
  console.log(`\nPlaces offline (${f.provenance}, ${f.places.toLocaleString('en')} places)`);
  console.log(`  first lookup loads the gazetteer: ${Math.round(f.loadMs)} ms`);
  console.log(`  kept in memory: heap +${f.heapMb.toFixed(0)} MB, rss +${f.rssMb.toFixed(0)} MB`);
  console.log(
    `  lookups: ${f.msPer1000.toFixed(1)} ms per 1,000 cells (${f.lookups.toLocaleString('en')} random cells)`,
  );
}
