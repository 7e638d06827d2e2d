import { distanceMeters, PLACES } from '../places.ts';

/**
 * The climate of each simulated place: the mean air temperature of its coldest-half and
 * warmest-half anchor months, January and July (°C, whole degrees), from the climate normals
 * listed in docs/simulators.md (Climate). Between them the year follows a cosine, warmest
 * ~20 July and coldest ~19 January, so in the south January is the warm end because its
 * January normal is the higher one: the table, not a sign flip, reverses the seasons.
 *
 * Normals are measured at the place, so they already hold its height: no lapse rate is applied
 * on top of them (terrain.ts gives the same places their height for everything else).
 */
export interface ClimateNormal {
  januaryC: number;
  julyC: number;
}

export const CLIMATE_NORMALS: Readonly<Record<string, ClimateNormal>> = {
  'New York': { januaryC: 1, julyC: 25 },
  Boulder: { januaryC: 0, julyC: 23 },
  'San Francisco': { januaryC: 11, julyC: 17 },
  Chicago: { januaryC: -4, julyC: 24 },
  Honolulu: { januaryC: 23, julyC: 27 },
  Anchorage: { januaryC: -8, julyC: 15 },
  Toronto: { januaryC: -4, julyC: 22 },
  'Mexico City': { januaryC: 14, julyC: 18 },
  London: { januaryC: 5, julyC: 19 },
  Paris: { januaryC: 5, julyC: 21 },
  Berlin: { januaryC: 1, julyC: 20 },
  Warsaw: { januaryC: -2, julyC: 19 },
  Reykjavík: { januaryC: 0, julyC: 11 },
  Lisbon: { januaryC: 11, julyC: 23 },
  Nairobi: { januaryC: 19, julyC: 16 },
  'Cape Town': { januaryC: 21, julyC: 13 },
  Kathmandu: { januaryC: 10, julyC: 24 },
  Mumbai: { januaryC: 24, julyC: 28 },
  Tokyo: { januaryC: 5, julyC: 26 },
  Singapore: { januaryC: 27, julyC: 28 },
  Sydney: { januaryC: 23, julyC: 13 },
  Auckland: { januaryC: 20, julyC: 11 },
  'Buenos Aires': { januaryC: 25, julyC: 11 },
  'São Paulo': { januaryC: 23, julyC: 17 },
  'Punta Arenas': { januaryC: 11, julyC: 2 },
};

/** Within this distance a place's normals hold fully; beyond `FADE_M` not at all. */
const HOLD_M = 150_000;
const FADE_M = 600_000;

export interface PlaceClimate {
  /** How much the place's normals count, 0–1 (1 within 150 km, fading to 0 at 600 km). */
  weight: number;
  /** The normals' mean for the season: `cosYear` is +1 at ~20 July, −1 at ~19 January. */
  seasonalMeanC(cosYear: number): number;
}

/** The nearest simulated place with normals and how much they count here; null far from all. */
export function placeClimate(lat: number, lng: number): PlaceClimate | null {
  let best: { normal: ClimateNormal; distance: number } | null = null;
  for (const place of PLACES) {
    const normal = CLIMATE_NORMALS[place.name];
    if (!normal) continue;
    const distance = distanceMeters({ lat, lng }, place);
    if (distance < FADE_M && (!best || distance < best.distance)) best = { normal, distance };
  }
  if (!best) return null;
  const { normal, distance } = best;
  return {
    weight: Math.min(1, (FADE_M - distance) / (FADE_M - HOLD_M)),
    seasonalMeanC: (cosYear) =>
      (normal.januaryC + normal.julyC) / 2 + ((normal.julyC - normal.januaryC) / 2) * cosYear,
  };
}
