import { type Context, Hono } from 'hono';
import { type Clock, systemClock } from '../../src/core/clock.ts';
import { nearestPlace, PLACES, type Place } from '../places.ts';
import { createFaultInjector, type FaultInjector, type FaultSettings } from '../weather/faults.ts';
import { hashToUnit } from '../weather/noise.ts';
import { createRequestLog, type RequestCounts } from '../weather/request-log.ts';

/**
 * Nominatim-compatible reverse geocoder: `GET /reverse?lat&lon&format=jsonv2|json`, answered
 * from the gazetteer (sim/places.ts) at city level, with the public server's usage policy:
 * an identifying User-Agent (or Referer) is required, and at most one request per second.
 * Paths are relative, so the app mounts under any prefix. See docs/simulators.md.
 */

export const REVERSE_PATH = '/reverse';
export const NOMINATIM_LICENCE =
  'Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright';
const POLICY_URL = 'https://operations.osmfoundation.org/policies/nominatim/';

/** Stock User-Agents of HTTP libraries, which the policy says "will not do". */
export const GENERIC_USER_AGENTS: readonly RegExp[] = [
  /^node$/i, // Node's built-in fetch (undici)
  /^undici/i,
  /^node-fetch/i,
  /^axios\//i,
  /^got\b/i,
  /^python-requests\//i,
  /^python-urllib\//i,
  /^python-httpx\//i,
  /^aiohttp\//i,
  /^go-http-client\//i,
  /^okhttp\//i,
  /^java\//i,
  /^dalvik\//i,
  /^libwww-perl\//i,
];

export interface NominatimSimulatorOptions {
  clock?: Clock;
  /** Minimum time between two accepted requests of one client, ms (the policy's 1/s). */
  minIntervalMs?: number;
  /** User-Agents refused with 403 as unidentified. */
  genericUserAgents?: readonly RegExp[];
  /** How far from a gazetteer place a point still geocodes to it. */
  radiusMeters?: number;
  faults?: Partial<FaultSettings>;
}

export interface NominatimInspection {
  requests: RequestCounts;
  hung: number;
}

export interface NominatimControl {
  readonly clock: Clock;
  setClock(clock: Clock): void;
  setMinIntervalMs(ms: number): void;
  faults: Omit<FaultInjector, 'middleware' | 'reset'>;
  inspect(): NominatimInspection;
  /** Back to the creation options; counts and rate state cleared; hung requests released. */
  reset(): void;
  close(): void;
}

function text(status: number, body: string): Response {
  return new Response(body, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}

function errorResponse(status: number): Response {
  if (status === 403) return text(403, `Access denied. See ${POLICY_URL}`);
  if (status === 429) return text(429, `Too many requests. See ${POLICY_URL}`);
  return text(status, 'Internal Server Error');
}

function jsonError(status: number, message: string): Response {
  return Response.json({ error: { code: status, message } }, { status });
}

/**
 * Who is asking. The real server limits per IP and per application; the simulator has no
 * reliable IP in-process, so the identifying header stands for the client.
 */
function clientOf(c: Context, generic: readonly RegExp[]): string | undefined {
  const userAgent = c.req.header('user-agent')?.trim();
  if (userAgent && !generic.some((pattern) => pattern.test(userAgent))) return userAgent;
  const referer = c.req.header('referer')?.trim();
  return referer || undefined;
}

export function createNominatimSimulator(options: NominatimSimulatorOptions = {}): {
  app: Hono;
  control: NominatimControl;
} {
  const generic = options.genericUserAgents ?? GENERIC_USER_AGENTS;
  const radius = options.radiusMeters ?? 50_000;
  const initial = {
    clock: options.clock ?? systemClock,
    minIntervalMs: options.minIntervalMs ?? 1000,
  };
  let clock = initial.clock;
  let minIntervalMs = initial.minIntervalMs;
  const lastAccepted = new Map<string, number>();
  const faults = createFaultInjector(options.faults ?? {}, errorResponse);
  const log = createRequestLog(
    (path) => (path.endsWith(REVERSE_PATH) ? 'reverse' : 'other'),
    (c) => clientOf(c, generic),
  );

  const app = new Hono();
  app.use('*', log.middleware);
  // The policy is enforced in front of everything, as the real server's proxy does.
  app.use('*', async (c, next) => {
    const client = clientOf(c, generic);
    if (client === undefined) return errorResponse(403);
    const now = clock.now();
    const last = lastAccepted.get(client);
    if (last !== undefined && now - last < minIntervalMs) return errorResponse(429);
    lastAccepted.set(client, now);
    await next();
  });
  app.use('*', faults.middleware);

  app.get(REVERSE_PATH, (c) => {
    const format = c.req.query('format') ?? 'xml';
    if (format !== 'jsonv2' && format !== 'json') {
      return jsonError(400, `Simulator: format=${format} is not simulated; use jsonv2 or json`);
    }
    const latText = c.req.query('lat');
    const lonText = c.req.query('lon');
    if (!latText || !lonText) return jsonError(400, 'Need coordinates or OSM object to lookup.');
    const lat = Number(latText);
    const lon = Number(lonText);
    if (!(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180)) {
      return jsonError(400, 'Invalid coordinates.');
    }
    const place = nearestPlace({ lat, lng: lon }, radius);
    // Nothing here is not an HTTP error for Nominatim: 200 with an error member.
    if (!place) return c.json({ error: 'Unable to geocode' });
    return c.json(placeBody(place, format, c.req.query('addressdetails') !== '0'));
  });

  app.notFound(() => text(404, 'Not Found'));

  const control: NominatimControl = {
    get clock() {
      return clock;
    },
    setClock(next) {
      clock = next;
    },
    setMinIntervalMs(ms) {
      minIntervalMs = ms;
    },
    faults: {
      settings: faults.settings,
      set: faults.set,
      releaseHung: faults.releaseHung,
      hungCount: faults.hungCount,
    },
    inspect: () => ({ requests: log.snapshot(), hung: faults.hungCount() }),
    reset() {
      faults.reset();
      log.reset();
      lastAccepted.clear();
      clock = initial.clock;
      minIntervalMs = initial.minIntervalMs;
    },
    close() {
      faults.releaseHung();
    },
  };
  return { app, control };
}

/**
 * The city as Nominatim describes an administrative boundary at city level. `jsonv2` names the
 * main tag `category`, `json` names it `class`; coordinates and the bounding box are strings.
 */
function placeBody(place: Place, format: 'json' | 'jsonv2', withAddress: boolean) {
  const index = PLACES.indexOf(place);
  const address: Record<string, string> = { city: place.name };
  if (place.state !== null) address.state = place.state;
  address.country = place.country;
  address.country_code = place.countryCode.toLowerCase();
  // Repeated names are said once: "Berlin, Germany", "Singapore".
  const displayName = [...new Set([place.name, place.state ?? place.name, place.country])].join(
    ', ',
  );
  const coordinate = (value: number) => value.toFixed(7);
  return {
    place_id: 100_000 + Math.floor(hashToUnit(7, index) * 400_000_000),
    licence: NOMINATIM_LICENCE,
    osm_type: 'relation',
    osm_id: 10_000 + Math.floor(hashToUnit(8, index) * 20_000_000),
    lat: coordinate(place.lat),
    lon: coordinate(place.lng),
    [format === 'jsonv2' ? 'category' : 'class']: 'boundary',
    type: 'administrative',
    place_rank: 16,
    importance: 0.6 + Math.round(hashToUnit(9, index) * 3e13) / 1e14,
    addresstype: 'city',
    name: place.name,
    display_name: displayName,
    ...(withAddress ? { address } : {}),
    boundingbox: [
      coordinate(place.lat - 0.15),
      coordinate(place.lat + 0.15),
      coordinate(place.lng - 0.2),
      coordinate(place.lng + 0.2),
    ],
  };
}
