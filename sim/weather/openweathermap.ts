import { type Context, Hono } from 'hono';
import { type Clock, systemClock } from '../../src/core/clock.ts';
import { createFaultInjector, type FaultInjector, type FaultSettings } from './faults.ts';
import {
  OWM_BLOCKED_BODY,
  OWM_INVALID_KEY_BODY,
  OWM_NO_ONE_CALL_SUBSCRIPTION_BODY,
  owmBadRequest,
  owmErrorResponse,
  owmJson,
} from './openweathermap-errors.ts';
import { parseOwmUnits, reverseGeocodeBody, timemachineBody } from './openweathermap-payloads.ts';
import { createRequestLog, type RequestCounts } from './request-log.ts';
import { createUsageWindow, DAY_MS, MINUTE_MS } from './usage-windows.ts';

/**
 * OpenWeatherMap simulator: One Call 3.0 `GET /data/3.0/onecall/timemachine` and Geocoding
 * `GET /geo/1.0/reverse`, answered from the shared weather model and the gazetteer, with
 * OWM's keys, subscriptions, per-key limits and error bodies. Paths are relative, so the app
 * can be mounted under any prefix. See docs/simulators.md for what is faithful and what is simplified.
 */

export const DEFAULT_OWM_KEY = 'sim-owm-key';
/** A valid key whose account has no "One Call by Call" subscription: geocoding works, One Call 401s. */
export const NO_ONE_CALL_OWM_KEY = 'sim-owm-key-no-onecall';

export const TIMEMACHINE_PATH = '/data/3.0/onecall/timemachine';
export const GEO_REVERSE_PATH = '/geo/1.0/reverse';

export interface OwmKeyAccess {
  /** Subscribed to One Call by Call (One Call 3.0 answers 401 otherwise). */
  oneCall: boolean;
}

export interface OwmLimits {
  /** Calls per key per calendar minute, all endpoints together (the account's limit). */
  perMinute: number;
  /** One Call calls per key per UTC day (the One Call by Call daily cap; geocoding is not counted). */
  perDay: number;
}

export interface OwmTimeRange {
  /** Earliest `dt` served, epoch seconds (One Call's archive starts 1979-01-01). */
  earliestDt: number;
  /** How far past the clock's now `dt` may be (One Call forecasts "4 days ahead"). */
  maxFutureDays: number;
}

export interface OpenWeatherMapSimulatorOptions {
  clock?: Clock;
  keys?: Record<string, OwmKeyAccess>;
  limits?: Partial<OwmLimits>;
  timeRange?: Partial<OwmTimeRange>;
  faults?: Partial<FaultSettings>;
}

export interface OwmInspection {
  requests: RequestCounts;
  /** Quota spent in the current windows, per key that has spent any. */
  usage: Record<string, { minute: number; day: number }>;
  hung: number;
}

export interface OpenWeatherMapControl {
  readonly clock: Clock;
  setClock(clock: Clock): void;
  keys(): Record<string, OwmKeyAccess>;
  setKey(key: string, access?: OwmKeyAccess): void;
  removeKey(key: string): void;
  limits(): OwmLimits;
  setLimits(limits: Partial<OwmLimits>): void;
  timeRange(): OwmTimeRange;
  setTimeRange(range: Partial<OwmTimeRange>): void;
  faults: Omit<FaultInjector, 'middleware' | 'reset'>;
  inspect(): OwmInspection;
  /** Back to the options given at creation: keys, limits, range, faults, clock; counts and quota cleared; hung requests released. */
  reset(): void;
  /** Releases hung requests; call before closing the HTTP server. */
  close(): void;
}

export const DEFAULT_OWM_LIMITS: OwmLimits = { perMinute: 60, perDay: 1000 };
export const DEFAULT_OWM_TIME_RANGE: OwmTimeRange = {
  earliestDt: Date.UTC(1979, 0, 1) / 1000,
  maxFutureDays: 4,
};
const DEFAULT_KEYS: Record<string, OwmKeyAccess> = {
  [DEFAULT_OWM_KEY]: { oneCall: true },
  [NO_ONE_CALL_OWM_KEY]: { oneCall: false },
};

const MAX_GEO_LIMIT = 5;
const DEFAULT_GEO_LIMIT = 1;

export function createOpenWeatherMapSimulator(options: OpenWeatherMapSimulatorOptions = {}): {
  app: Hono;
  control: OpenWeatherMapControl;
} {
  const initial = {
    clock: options.clock ?? systemClock,
    keys: { ...(options.keys ?? DEFAULT_KEYS) },
    limits: { ...DEFAULT_OWM_LIMITS, ...options.limits },
    timeRange: { ...DEFAULT_OWM_TIME_RANGE, ...options.timeRange },
  };
  let clock = initial.clock;
  let keys = { ...initial.keys };
  let limits = { ...initial.limits };
  let timeRange = { ...initial.timeRange };
  const perMinute = createUsageWindow(MINUTE_MS);
  const perDay = createUsageWindow(DAY_MS);
  const faults = createFaultInjector(options.faults ?? {}, owmErrorResponse);
  const log = createRequestLog(endpointOf, (c) => c.req.query('appid'));

  /**
   * Order matters and follows OWM: key → subscription → quota → parameters. A request refused
   * for its key or quota spends nothing; one with bad parameters has spent its call.
   */
  function admit(c: Context, oneCall: boolean): Response | undefined {
    const key = c.req.query('appid') ?? '';
    const access = keys[key];
    if (!access) return owmJson(401, OWM_INVALID_KEY_BODY);
    if (oneCall && !access.oneCall) return owmJson(401, OWM_NO_ONE_CALL_SUBSCRIPTION_BODY);
    const now = clock.now();
    const overMinute = perMinute.used(key, now) >= limits.perMinute;
    const overDay = oneCall && perDay.used(key, now) >= limits.perDay;
    if (overMinute || overDay) return owmJson(429, OWM_BLOCKED_BODY);
    perMinute.add(key, now);
    if (oneCall) perDay.add(key, now);
    return undefined;
  }

  const app = new Hono();
  app.use('*', log.middleware);
  app.use('*', faults.middleware);

  app.get(TIMEMACHINE_PATH, (c) => {
    const refused = admit(c, true);
    if (refused) return refused;
    const point = parsePoint(c);
    if (point instanceof Response) return point;
    const dtText = c.req.query('dt');
    const dt = Number(dtText);
    if (!dtText || !Number.isInteger(dt)) return owmBadRequest.invalidDate();
    const latest = Math.floor(clock.now() / 1000) + timeRange.maxFutureDays * 86_400;
    if (dt < timeRange.earliestDt || dt > latest) return owmBadRequest.timeOutOfRange();
    const units = parseOwmUnits(c.req.query('units'));
    return owmJson(200, timemachineBody(point.lat, point.lon, dt, units));
  });

  app.get(GEO_REVERSE_PATH, (c) => {
    const refused = admit(c, false);
    if (refused) return refused;
    const point = parsePoint(c);
    if (point instanceof Response) return point;
    const requested = Number.parseInt(c.req.query('limit') ?? '', 10);
    const limit = Number.isNaN(requested)
      ? DEFAULT_GEO_LIMIT
      : Math.min(MAX_GEO_LIMIT, Math.max(1, requested));
    return owmJson(200, reverseGeocodeBody(point.lat, point.lon, limit));
  });

  app.notFound(() => owmErrorResponse(404));

  const control: OpenWeatherMapControl = {
    get clock() {
      return clock;
    },
    setClock(next) {
      clock = next;
    },
    keys: () => ({ ...keys }),
    setKey(key, access = { oneCall: true }) {
      keys = { ...keys, [key]: access };
    },
    removeKey(key) {
      const { [key]: _removed, ...rest } = keys;
      keys = rest;
    },
    limits: () => ({ ...limits }),
    setLimits(changes) {
      limits = { ...limits, ...changes };
    },
    timeRange: () => ({ ...timeRange }),
    setTimeRange(changes) {
      timeRange = { ...timeRange, ...changes };
    },
    faults: {
      settings: faults.settings,
      set: faults.set,
      releaseHung: faults.releaseHung,
      hungCount: faults.hungCount,
    },
    inspect() {
      const now = clock.now();
      const usage: OwmInspection['usage'] = {};
      for (const key of Object.keys(keys)) {
        const minute = perMinute.used(key, now);
        const day = perDay.used(key, now);
        if (minute > 0 || day > 0) usage[key] = { minute, day };
      }
      return { requests: log.snapshot(), usage, hung: faults.hungCount() };
    },
    reset() {
      faults.reset();
      log.reset();
      perMinute.clear();
      perDay.clear();
      clock = initial.clock;
      keys = { ...initial.keys };
      limits = { ...initial.limits };
      timeRange = { ...initial.timeRange };
    },
    close() {
      faults.releaseHung();
    },
  };

  return { app, control };
}

function endpointOf(path: string): string {
  if (path.endsWith(TIMEMACHINE_PATH)) return 'onecall/timemachine';
  if (path.endsWith(GEO_REVERSE_PATH)) return 'geo/reverse';
  return 'other';
}

function parsePoint(c: Context): { lat: number; lon: number } | Response {
  const latText = c.req.query('lat');
  const lonText = c.req.query('lon');
  if (!latText || !lonText) return owmBadRequest.nothingToGeocode();
  const lat = Number(latText);
  const lon = Number(lonText);
  if (!Number.isFinite(lat) || lat < -90 || lat > 90) return owmBadRequest.wrongLatitude();
  if (!Number.isFinite(lon) || lon < -180 || lon > 180) return owmBadRequest.wrongLongitude();
  return { lat, lon };
}
