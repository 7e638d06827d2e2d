/**
 * The simulated world's places: real cities with their real coordinates, admin area, country
 * and time zone. The Strava simulator's athletes run from and travel to these; the geocoding
 * simulators answer with them; so a test can say exactly which city a run should resolve to.
 * Both hemispheres, both sides of the date line's neighbourhood, and many UTC offsets.
 */
export interface Place {
  name: string;
  /** First-level admin area (state, province, region); null where the country has none used. */
  state: string | null;
  /** English country name, as OpenWeatherMap and Nominatim (accept-language=en) give it. */
  country: string;
  /** ISO 3166-1 alpha-2. */
  countryCode: string;
  lat: number;
  lng: number;
  timezone: string;
  /** Where an athlete travels to: one continent a day, never two (see travel-plan.ts). */
  continent: Continent;
}

export type Continent =
  | 'Africa'
  | 'Asia'
  | 'Europe'
  | 'North America'
  | 'Oceania'
  | 'South America';

export const PLACES: readonly Place[] = [
  {
    name: 'New York',
    state: 'New York',
    country: 'United States',
    countryCode: 'US',
    lat: 40.7128,
    lng: -74.006,
    timezone: 'America/New_York',
    continent: 'North America',
  },
  {
    name: 'Boulder',
    state: 'Colorado',
    country: 'United States',
    countryCode: 'US',
    lat: 40.015,
    lng: -105.2705,
    timezone: 'America/Denver',
    continent: 'North America',
  },
  {
    name: 'San Francisco',
    state: 'California',
    country: 'United States',
    countryCode: 'US',
    lat: 37.7749,
    lng: -122.4194,
    timezone: 'America/Los_Angeles',
    continent: 'North America',
  },
  {
    name: 'Chicago',
    state: 'Illinois',
    country: 'United States',
    countryCode: 'US',
    lat: 41.8781,
    lng: -87.6298,
    timezone: 'America/Chicago',
    continent: 'North America',
  },
  {
    name: 'Honolulu',
    state: 'Hawaii',
    country: 'United States',
    countryCode: 'US',
    lat: 21.3069,
    lng: -157.8583,
    timezone: 'Pacific/Honolulu',
    continent: 'Oceania',
  },
  {
    name: 'Anchorage',
    state: 'Alaska',
    country: 'United States',
    countryCode: 'US',
    lat: 61.2181,
    lng: -149.9003,
    timezone: 'America/Anchorage',
    continent: 'North America',
  },
  {
    name: 'Toronto',
    state: 'Ontario',
    country: 'Canada',
    countryCode: 'CA',
    lat: 43.6532,
    lng: -79.3832,
    timezone: 'America/Toronto',
    continent: 'North America',
  },
  {
    name: 'Mexico City',
    state: 'Mexico City',
    country: 'Mexico',
    countryCode: 'MX',
    lat: 19.4326,
    lng: -99.1332,
    timezone: 'America/Mexico_City',
    continent: 'North America',
  },
  {
    name: 'London',
    state: 'England',
    country: 'United Kingdom',
    countryCode: 'GB',
    lat: 51.5074,
    lng: -0.1278,
    timezone: 'Europe/London',
    continent: 'Europe',
  },
  {
    name: 'Paris',
    state: 'Île-de-France',
    country: 'France',
    countryCode: 'FR',
    lat: 48.8566,
    lng: 2.3522,
    timezone: 'Europe/Paris',
    continent: 'Europe',
  },
  {
    name: 'Berlin',
    state: 'Berlin',
    country: 'Germany',
    countryCode: 'DE',
    lat: 52.52,
    lng: 13.405,
    timezone: 'Europe/Berlin',
    continent: 'Europe',
  },
  {
    name: 'Warsaw',
    state: 'Masovian Voivodeship',
    country: 'Poland',
    countryCode: 'PL',
    lat: 52.2297,
    lng: 21.0122,
    timezone: 'Europe/Warsaw',
    continent: 'Europe',
  },
  {
    name: 'Reykjavík',
    state: 'Capital Region',
    country: 'Iceland',
    countryCode: 'IS',
    lat: 64.1466,
    lng: -21.9426,
    timezone: 'Atlantic/Reykjavik',
    continent: 'Europe',
  },
  {
    name: 'Lisbon',
    state: 'Lisbon',
    country: 'Portugal',
    countryCode: 'PT',
    lat: 38.7223,
    lng: -9.1393,
    timezone: 'Europe/Lisbon',
    continent: 'Europe',
  },
  {
    name: 'Nairobi',
    state: 'Nairobi County',
    country: 'Kenya',
    countryCode: 'KE',
    lat: -1.2921,
    lng: 36.8219,
    timezone: 'Africa/Nairobi',
    continent: 'Africa',
  },
  {
    name: 'Cape Town',
    state: 'Western Cape',
    country: 'South Africa',
    countryCode: 'ZA',
    lat: -33.9249,
    lng: 18.4241,
    timezone: 'Africa/Johannesburg',
    continent: 'Africa',
  },
  {
    name: 'Kathmandu',
    state: 'Bagmati Province',
    country: 'Nepal',
    countryCode: 'NP',
    lat: 27.7172,
    lng: 85.324,
    timezone: 'Asia/Kathmandu',
    continent: 'Asia',
  },
  {
    name: 'Mumbai',
    state: 'Maharashtra',
    country: 'India',
    countryCode: 'IN',
    lat: 19.076,
    lng: 72.8777,
    timezone: 'Asia/Kolkata',
    continent: 'Asia',
  },
  {
    name: 'Tokyo',
    state: 'Tokyo',
    country: 'Japan',
    countryCode: 'JP',
    lat: 35.6762,
    lng: 139.6503,
    timezone: 'Asia/Tokyo',
    continent: 'Asia',
  },
  {
    name: 'Singapore',
    state: null,
    country: 'Singapore',
    countryCode: 'SG',
    lat: 1.3521,
    lng: 103.8198,
    timezone: 'Asia/Singapore',
    continent: 'Asia',
  },
  {
    name: 'Sydney',
    state: 'New South Wales',
    country: 'Australia',
    countryCode: 'AU',
    lat: -33.8688,
    lng: 151.2093,
    timezone: 'Australia/Sydney',
    continent: 'Oceania',
  },
  {
    name: 'Auckland',
    state: 'Auckland',
    country: 'New Zealand',
    countryCode: 'NZ',
    lat: -36.8485,
    lng: 174.7633,
    timezone: 'Pacific/Auckland',
    continent: 'Oceania',
  },
  {
    name: 'Buenos Aires',
    state: 'Buenos Aires',
    country: 'Argentina',
    countryCode: 'AR',
    lat: -34.6037,
    lng: -58.3816,
    timezone: 'America/Argentina/Buenos_Aires',
    continent: 'South America',
  },
  {
    name: 'São Paulo',
    state: 'São Paulo',
    country: 'Brazil',
    countryCode: 'BR',
    lat: -23.5505,
    lng: -46.6333,
    timezone: 'America/Sao_Paulo',
    continent: 'South America',
  },
  {
    name: 'Punta Arenas',
    state: 'Magallanes Region',
    country: 'Chile',
    countryCode: 'CL',
    lat: -53.1638,
    lng: -70.9171,
    timezone: 'America/Punta_Arenas',
    continent: 'South America',
  },
];

const EARTH_RADIUS_M = 6_371_000;

export function distanceMeters(
  a: { lat: number; lng: number },
  b: { lat: number; lng: number },
): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLng = (b.lng - a.lng) * rad;
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.sqrt(h));
}

/** The place within `maxMeters` of the point, nearest first; undefined at sea or in the wild. */
export function nearestPlace(
  point: { lat: number; lng: number },
  maxMeters = 50_000,
): Place | undefined {
  let best: Place | undefined;
  let bestDistance = maxMeters;
  for (const place of PLACES) {
    const d = distanceMeters(point, place);
    if (d <= bestDistance) {
      best = place;
      bestDistance = d;
    }
  }
  return best;
}
