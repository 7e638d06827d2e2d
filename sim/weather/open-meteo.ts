import { Hono } from 'hono';
import { type Clock, systemClock } from '../../src/core/clock.ts';
import { createFaultInjector, type FaultInjector, type FaultSettings } from './faults.ts';
import { type ArchiveQuery, parseArchiveQuery } from './open-meteo-request.ts';
import { HOURLY_VARIABLES } from './open-meteo-variables.ts';
import { createRequestLog, type RequestCounts } from './request-log.ts';
import { elevationMeters } from './terrain.ts';
import { createUsageWindow, DAY_MS, MINUTE_MS } from './usage-windows.ts';
import { gridCell, HOUR_S, observe } from './weather-model.ts';
import { timeZoneAt, utcOffsetSeconds, zoneAbbreviation } from './zones.ts';

/**
 * Open-Meteo historical weather simulator: `GET /v1/archive`, answered from the shared weather
 * model on its 0.1° grid, in Open-Meteo's shape, units (wind in km/h unless asked!) and error
 * bodies (`{"error":true,"reason":…}`). See docs/simulators.md for the time mapping and simplifications.
 */

export const ARCHIVE_PATH = '/v1/archive';

export interface OpenMeteoLimits {
  /** Weighted calls per calendar minute (Open-Meteo's free tier: 600). */
  perMinute: number;
  /** Weighted calls per UTC day (free tier: 10,000). */
  perDay: number;
}

export interface OpenMeteoSimulatorOptions {
  clock?: Clock;
  /**
   * Days the archive lags behind the clock: the last day served is today (UTC) minus this.
   * The real archive's final ERA5 trails by about 5 days (ERA5T closes the gap to ~2).
   */
  archiveDelayDays?: number;
  /** The simulator's cap on days per request, to keep a runaway query cheap. */
  maxDaysPerRequest?: number;
  limits?: Partial<OpenMeteoLimits>;
  faults?: Partial<FaultSettings>;
}

export interface OpenMeteoInspection {
  requests: RequestCounts;
  /** Weighted calls spent in the current minute and UTC day. */
  usage: { minute: number; day: number };
  hung: number;
}

export interface OpenMeteoControl {
  readonly clock: Clock;
  setClock(clock: Clock): void;
  archiveDelayDays(): number;
  setArchiveDelayDays(days: number): void;
  limits(): OpenMeteoLimits;
  setLimits(limits: Partial<OpenMeteoLimits>): void;
  faults: Omit<FaultInjector, 'middleware' | 'reset'>;
  inspect(): OpenMeteoInspection;
  /** Back to the creation options; counts and quota cleared; hung requests released. */
  reset(): void;
  close(): void;
}

export const DEFAULT_OPEN_METEO_LIMITS: OpenMeteoLimits = { perMinute: 600, perDay: 10_000 };
export const DEFAULT_ARCHIVE_DELAY_DAYS = 5;
const ARCHIVE_FIRST_DAY = Date.UTC(1940, 0, 1) / 86_400_000;
const CLIENT = 'client'; // quota is per IP in reality; the simulator has one client

const DAILY_SPENT = 'Daily API request limit exceeded. Please try again tomorrow.';
const MINUTELY_SPENT = 'Minutely API request limit exceeded. Please try again in one minute.';

function refusal(status: number, reason: string): Response {
  return Response.json({ error: true, reason }, { status });
}

function errorResponse(status: number): Response {
  if (status === 429) return refusal(429, DAILY_SPENT);
  return refusal(status, 'Internal Server Error');
}

/**
 * Open-Meteo counts heavy calls as several: more than 10 variables or more than 2 weeks of
 * data weigh proportionally more, and each location counts (e.g. 4 weeks × 20 variables = 4).
 */
export function callWeight(query: Pick<ArchiveQuery, 'points' | 'hourly' | 'startDay' | 'endDay'>) {
  const days = query.endDay - query.startDay + 1;
  return query.points.length * Math.max(1, query.hourly.length / 10) * Math.max(1, days / 14);
}

export function createOpenMeteoSimulator(options: OpenMeteoSimulatorOptions = {}): {
  app: Hono;
  control: OpenMeteoControl;
} {
  const initial = {
    clock: options.clock ?? systemClock,
    archiveDelayDays: options.archiveDelayDays ?? DEFAULT_ARCHIVE_DELAY_DAYS,
    limits: { ...DEFAULT_OPEN_METEO_LIMITS, ...options.limits },
  };
  const maxDays = options.maxDaysPerRequest ?? 3660;
  let clock = initial.clock;
  let archiveDelayDays = initial.archiveDelayDays;
  let limits = { ...initial.limits };
  const perMinute = createUsageWindow(MINUTE_MS);
  const perDay = createUsageWindow(DAY_MS);
  const faults = createFaultInjector(options.faults ?? {}, errorResponse);
  const log = createRequestLog((path) => (path.endsWith(ARCHIVE_PATH) ? 'archive' : 'other'));

  const app = new Hono();
  app.use('*', log.middleware);
  app.use('*', faults.middleware);

  app.get(ARCHIVE_PATH, (c) => {
    const started = performance.now();
    const now = clock.now();
    // A spent budget refuses before anything else is read; a refused or invalid call costs nothing.
    if (perDay.used(CLIENT, now) >= limits.perDay) return refusal(429, DAILY_SPENT);
    if (perMinute.used(CLIENT, now) >= limits.perMinute) return refusal(429, MINUTELY_SPENT);
    const today = Math.floor(now / DAY_MS);
    const query = parseArchiveQuery(
      (name) => c.req.query(name),
      (name) => c.req.queries(name),
      { firstDay: ARCHIVE_FIRST_DAY, lastDay: today - archiveDelayDays, maxDays },
    );
    if (typeof query === 'string') return refusal(400, query);
    const weight = callWeight(query);
    perDay.add(CLIENT, now, weight);
    perMinute.add(CLIENT, now, weight);
    const bodies = query.points.map((point) => archiveBody(query, point, now / 1000, started));
    return c.json(bodies.length === 1 ? bodies[0] : bodies);
  });

  app.notFound(() => refusal(404, 'Not Found'));

  const control: OpenMeteoControl = {
    get clock() {
      return clock;
    },
    setClock(next) {
      clock = next;
    },
    archiveDelayDays: () => archiveDelayDays,
    setArchiveDelayDays(days) {
      archiveDelayDays = days;
    },
    limits: () => ({ ...limits }),
    setLimits(changes) {
      limits = { ...limits, ...changes };
    },
    faults: {
      settings: faults.settings,
      set: faults.set,
      releaseHung: faults.releaseHung,
      hungCount: faults.hungCount,
    },
    inspect() {
      const now = clock.now();
      return {
        requests: log.snapshot(),
        usage: { minute: perMinute.used(CLIENT, now), day: perDay.used(CLIENT, now) },
        hung: faults.hungCount(),
      };
    },
    reset() {
      faults.reset();
      log.reset();
      perMinute.clear();
      perDay.clear();
      clock = initial.clock;
      archiveDelayDays = initial.archiveDelayDays;
      limits = { ...initial.limits };
    },
    close() {
      faults.releaseHung();
    },
  };
  return { app, control };
}

/**
 * One location's body. Time mapping (mirrors Open-Meteo, see docs/simulators.md): the zone's offset is the
 * one in force NOW (the clock), applied to the whole series with no daylight-saving shifts, as
 * Open-Meteo does; rows run from 00:00 local on start_date to 23:00 local on end_date; the row
 * labelled T (UTC instant T − offset) holds the model hour containing that instant.
 */
function archiveBody(
  query: ArchiveQuery,
  point: { latitude: number; longitude: number },
  nowSeconds: number,
  started: number,
) {
  const cell = gridCell(point.latitude, point.longitude);
  const timezone =
    query.timezone === 'auto' ? timeZoneAt(point.latitude, point.longitude) : query.timezone;
  const offset = timezone === 'GMT' ? 0 : utcOffsetSeconds(timezone, nowSeconds);
  const firstLocal = query.startDay * 86_400;
  const rows = (query.endDay - query.startDay + 1) * 24;

  const time: (string | number)[] = [];
  const columns: Record<string, number[]> = Object.fromEntries(query.hourly.map((v) => [v, []]));
  for (let i = 0; i < rows; i += 1) {
    const local = firstLocal + i * HOUR_S;
    const instant = local - offset;
    time.push(
      query.timeformat === 'unixtime' ? instant : new Date(local * 1000).toISOString().slice(0, 16),
    );
    const o = observe(cell.lat, cell.lng, instant);
    for (const name of query.hourly) {
      columns[name]?.push(HOURLY_VARIABLES[name]?.value(o, query.units) ?? Number.NaN);
    }
  }

  const body: Record<string, unknown> = {
    latitude: cell.lat,
    longitude: cell.lng,
    generationtime_ms: performance.now() - started,
    utc_offset_seconds: offset,
    timezone,
    timezone_abbreviation: zoneAbbreviation(timezone, nowSeconds),
    elevation: elevationMeters(cell.lat, cell.lng),
  };
  if (query.hourly.length > 0) {
    body.hourly_units = {
      time: query.timeformat,
      ...Object.fromEntries(
        query.hourly.map((name) => [name, HOURLY_VARIABLES[name]?.unit(query.units) ?? '']),
      ),
    };
    body.hourly = { time, ...columns };
  }
  return body;
}
