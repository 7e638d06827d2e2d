import { nearestPlace } from '../places.ts';

/**
 * Ground height of the simulated world: each gazetteer place sits at its real elevation and
 * the ground within `PLACE_RADIUS_M` of it shares that height; everywhere else is sea level.
 * Crude, but it makes Boulder, Mexico City, Nairobi and Kathmandu as cool and thin-aired as
 * they really are, which is what a runner's weather looks like.
 */
const PLACE_ELEVATION_M: Readonly<Record<string, number>> = {
  'New York': 10,
  Boulder: 1655,
  'San Francisco': 16,
  Chicago: 181,
  Honolulu: 5,
  Anchorage: 31,
  Toronto: 76,
  'Mexico City': 2240,
  London: 11,
  Paris: 35,
  Berlin: 34,
  Warsaw: 100,
  Reykjavík: 15,
  Lisbon: 45,
  Nairobi: 1795,
  'Cape Town': 25,
  Kathmandu: 1400,
  Mumbai: 14,
  Tokyo: 40,
  Singapore: 15,
  Sydney: 19,
  Auckland: 20,
  'Buenos Aires': 25,
  'São Paulo': 760,
  'Punta Arenas': 34,
};

const PLACE_RADIUS_M = 50_000;

/** Metres above sea level; a place added to the gazetteer without a height here counts as 0. */
export function elevationMeters(lat: number, lng: number): number {
  const place = nearestPlace({ lat, lng }, PLACE_RADIUS_M);
  return place ? (PLACE_ELEVATION_M[place.name] ?? 0) : 0;
}
