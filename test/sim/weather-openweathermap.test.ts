import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOpenWeatherMapSimulator,
  DEFAULT_OWM_KEY,
  NO_ONE_CALL_OWM_KEY,
} from '../../sim/weather/openweathermap.ts';
import { fahrenheitToCelsius, MS_TO_MPH, roundTo } from '../../sim/weather/units.ts';
import { observe } from '../../sim/weather/weather-model.ts';
import { createManualClock } from '../../src/core/clock.ts';
import { readApiSample } from '../support/api-samples.ts';
import { epoch, get, type ServedApp, serveApp } from './weather-support.ts';

const fixture = readApiSample('owm_onecall3_timemachine_response.json') as {
  lat: number;
  lon: number;
  data: Record<string, unknown>[];
};
const fixtureEntry = fixture.data[0]!;
/** Keys the simulator adds only when they apply (documented in docs/simulators.md). */
const OPTIONAL_KEYS = ['wind_gust', 'rain', 'snow'];

const rawSample = (name: string) => JSON.stringify(readApiSample(name));
const timemachine = (params: Record<string, string | number>) =>
  `/data/3.0/onecall/timemachine?${new URLSearchParams(
    Object.entries({ appid: DEFAULT_OWM_KEY, ...params }).map(([k, v]) => [k, String(v)]),
  )}`;

describe('OpenWeatherMap simulator over HTTP', () => {
  const clock = createManualClock('2026-03-10T12:00:00Z');
  const { app, control } = createOpenWeatherMapSimulator({ clock });
  let server: ServedApp;
  beforeAll(async () => {
    server = await serveApp(app);
  });
  afterAll(async () => {
    control.close();
    await server.close();
  });

  it("answers the timemachine with the documented example's shape", async () => {
    const response = await fetch(
      `${server.url}${timemachine({ lat: fixture.lat, lon: fixture.lon, dt: fixtureEntry.dt as number })}`,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await response.json();
    expect(Object.keys(body).sort()).toEqual(Object.keys(fixture).sort());
    expect(body).toMatchObject({
      lat: 52.2297,
      lon: 21.0122,
      timezone: 'Europe/Warsaw',
      timezone_offset: 3600,
    });
    expect(body.data).toHaveLength(1);
    const entry = body.data[0];
    const required = Object.keys(fixtureEntry).sort();
    const extra = Object.keys(entry).filter((key) => !required.includes(key));
    expect(required.every((key) => key in entry)).toBe(true);
    expect(extra.every((key) => OPTIONAL_KEYS.includes(key))).toBe(true);
    for (const key of required) expect(typeof entry[key]).toBe(typeof fixtureEntry[key]);
    expect(entry.dt).toBe(fixtureEntry.dt); // echoed as asked, not rounded to the hour
    expect(Object.keys(entry.weather[0]).sort()).toEqual(['description', 'icon', 'id', 'main']);
    // The documented example is Warsaw on 26 Feb 2022: same sunrise and sunset within 2 min.
    expect(Math.abs(entry.sunrise - (fixtureEntry.sunrise as number))).toBeLessThan(120);
    expect(Math.abs(entry.sunset - (fixtureEntry.sunset as number))).toBeLessThan(120);
  });

  it('gives the model hour containing dt, in each unit system', async () => {
    const dt = epoch('2024-07-14T17:42:10Z');
    const o = observe(51.5074, -0.1278, dt);
    const ask = async (units?: string) => {
      const params = { lat: 51.5074, lon: -0.1278, dt, ...(units ? { units } : {}) };
      return (await (await fetch(`${server.url}${timemachine(params)}`)).json()).data[0];
    };
    const [standard, metric, imperial, unknown] = await Promise.all([
      ask(),
      ask('metric'),
      ask('imperial'),
      ask('furlongs'),
    ]);
    expect(metric.temp).toBe(o.temperatureC);
    expect(metric.feels_like).toBe(o.feelsLikeC);
    expect(metric.dew_point).toBe(o.dewPointC);
    expect(metric.wind_speed).toBe(o.windSpeedMs);
    expect(metric.humidity).toBe(o.humidity);
    expect(metric.pressure).toBe(Math.round(o.pressureMslHpa));
    expect(metric.weather[0]).toEqual(o.condition);
    expect(standard.temp).toBe(roundTo(o.temperatureC + 273.15, 2));
    expect(standard.temp - 273.15).toBeCloseTo(metric.temp, 9);
    expect(standard.wind_speed).toBe(metric.wind_speed); // m/s in standard and metric
    expect(fahrenheitToCelsius(imperial.temp)).toBeCloseTo(metric.temp, 9);
    expect(imperial.wind_speed).toBe(roundTo(o.windSpeedMs * MS_TO_MPH, 2));
    expect(unknown).toEqual(standard); // OWM silently falls back to standard
    expect(await ask('metric')).toEqual(metric); // deterministic
  });

  it('refuses keys with the recorded 401 bodies', async () => {
    const params = { lat: 51.5, lon: 0, dt: epoch('2024-07-14T12:00:00Z') };
    const noKey = await fetch(`${server.url}${timemachine(params).replace(/appid=[^&]*&?/, '')}`);
    expect(noKey.status).toBe(401);
    expect(await noKey.text()).toBe(rawSample('owm_401_invalid_api_key.json'));
    const wrongKey = await fetch(`${server.url}${timemachine({ ...params, appid: 'nope' })}`);
    expect(wrongKey.status).toBe(401);
    expect(await wrongKey.json()).toEqual(readApiSample('owm_401_invalid_api_key.json'));
    const unsubscribed = await fetch(
      `${server.url}${timemachine({ ...params, appid: NO_ONE_CALL_OWM_KEY })}`,
    );
    expect(unsubscribed.status).toBe(401);
    expect(await unsubscribed.text()).toBe(rawSample('owm_401_onecall3_no_subscription.json'));
  });
});

describe('OpenWeatherMap simulator in process', () => {
  it('answers bad parameters with 400 bodies, cod a number or a string as OWM does', async () => {
    const clock = createManualClock('2026-03-10T12:00:00Z');
    const { app } = createOpenWeatherMapSimulator({ clock });
    const ask = async (params: Record<string, string | number>) => {
      const response = await get(app, timemachine(params));
      return { status: response.status, body: await response.json() };
    };
    const dt = epoch('2024-07-14T12:00:00Z');
    expect(await ask({ lat: 51.5, lon: 0, dt: epoch('1978-12-31T23:00:00Z') })).toEqual({
      status: 400,
      body: { cod: 400, message: 'requested time is out of allowed range', parameters: ['dt'] },
    });
    expect((await ask({ lat: 51.5, lon: 0, dt: epoch('1979-01-01T00:00:00Z') })).status).toBe(200);
    // Up to 4 days ahead of the clock is a forecast; beyond is out of range.
    expect((await ask({ lat: 51.5, lon: 0, dt: epoch('2026-03-14T11:00:00Z') })).status).toBe(200);
    expect((await ask({ lat: 51.5, lon: 0, dt: epoch('2026-03-14T13:00:00Z') })).status).toBe(400);
    expect(await ask({ lat: 51.5, lon: 0 })).toEqual({
      status: 400,
      body: { cod: 400, message: 'Invalid date format', parameters: ['dt'] },
    });
    expect(await ask({ lat: 'north', lon: 0, dt })).toEqual({
      status: 400,
      body: { cod: '400', message: 'wrong latitude' },
    });
    expect(await ask({ lat: 10, lon: 181, dt })).toEqual({
      status: 400,
      body: { cod: '400', message: 'wrong longitude' },
    });
    expect(await ask({ lon: 0, dt })).toEqual({
      status: 400,
      body: { cod: '400', message: 'Nothing to geocode' },
    });
  });

  it('moves the time window with its knob', async () => {
    const clock = createManualClock('2026-03-10T12:00:00Z');
    const { app, control } = createOpenWeatherMapSimulator({ clock });
    const dt = epoch('2000-01-01T00:00:00Z');
    expect((await get(app, timemachine({ lat: 1, lon: 1, dt }))).status).toBe(200);
    control.setTimeRange({ earliestDt: epoch('2010-01-01T00:00:00Z') });
    expect((await get(app, timemachine({ lat: 1, lon: 1, dt }))).status).toBe(400);
    control.reset();
    expect((await get(app, timemachine({ lat: 1, lon: 1, dt }))).status).toBe(200);
  });

  it('limits each key per calendar minute, and the minute ends on the clock', async () => {
    const clock = createManualClock('2026-03-10T12:00:10Z');
    const { app, control } = createOpenWeatherMapSimulator({ clock, limits: { perMinute: 3 } });
    const call = () => get(app, timemachine({ lat: 1, lon: 1, dt: epoch('2024-01-01T00:00:00Z') }));
    for (let i = 0; i < 3; i += 1) expect((await call()).status).toBe(200);
    const blocked = await call();
    expect(blocked.status).toBe(429);
    expect(await blocked.text()).toBe(rawSample('owm_429_blocked.json'));
    // Geocoding shares the minute: the account's limit, not One Call's.
    expect(
      (await get(app, `/geo/1.0/reverse?lat=51.5&lon=0&appid=${DEFAULT_OWM_KEY}`)).status,
    ).toBe(429);
    // Another key has its own budget.
    control.setKey('second-key', { oneCall: true });
    const other = await get(
      app,
      timemachine({ lat: 1, lon: 1, dt: epoch('2024-01-01T00:00:00Z'), appid: 'second-key' }),
    );
    expect(other.status).toBe(200);
    clock.set('2026-03-10T12:00:59.999Z');
    expect((await call()).status).toBe(429);
    clock.set('2026-03-10T12:01:00Z');
    expect((await call()).status).toBe(200);
  });

  it("limits One Call per key per UTC day; geocoding does not spend the day's calls", async () => {
    const clock = createManualClock('2026-03-10T23:58:00Z');
    const { app, control } = createOpenWeatherMapSimulator({ clock, limits: { perDay: 2 } });
    const call = () => get(app, timemachine({ lat: 1, lon: 1, dt: epoch('2024-01-01T00:00:00Z') }));
    const geocode = () => get(app, `/geo/1.0/reverse?lat=51.5&lon=0&appid=${DEFAULT_OWM_KEY}`);
    expect((await geocode()).status).toBe(200);
    expect((await call()).status).toBe(200);
    expect((await call()).status).toBe(200);
    expect((await call()).status).toBe(429);
    expect((await geocode()).status).toBe(200);
    expect(control.inspect().usage[DEFAULT_OWM_KEY]).toEqual({ minute: 4, day: 2 });
    clock.advance(60_000); // a new minute, the same day
    expect((await call()).status).toBe(429);
    clock.set('2026-03-11T00:00:00Z'); // midnight UTC
    expect((await call()).status).toBe(200);
    control.setLimits({ perDay: 1 });
    expect((await call()).status).toBe(429);
  });

  it('counts requests by endpoint and status and by key, and resets', async () => {
    const clock = createManualClock('2026-03-10T12:00:00Z');
    const { app, control } = createOpenWeatherMapSimulator({ clock });
    const dt = epoch('2024-01-01T00:00:00Z');
    await get(app, timemachine({ lat: 1, lon: 1, dt }));
    await get(app, timemachine({ lat: 1, lon: 1, dt, appid: 'unknown' }));
    await get(app, timemachine({ lat: 1, lon: 1, dt, appid: NO_ONE_CALL_OWM_KEY }));
    await get(app, `/geo/1.0/reverse?lat=51.5&lon=0&appid=${NO_ONE_CALL_OWM_KEY}`);
    expect(control.inspect().requests).toEqual({
      total: 4,
      byEndpoint: {
        'onecall/timemachine': { '200': 1, '401': 2 },
        'geo/reverse': { '200': 1 },
      },
      byKey: { [DEFAULT_OWM_KEY]: 1, unknown: 1, [NO_ONE_CALL_OWM_KEY]: 2 },
    });
    control.removeKey(DEFAULT_OWM_KEY);
    expect((await get(app, timemachine({ lat: 1, lon: 1, dt }))).status).toBe(401);
    control.reset();
    expect(control.inspect()).toEqual({
      requests: { total: 0, byEndpoint: {}, byKey: {} },
      usage: {},
      hung: 0,
    });
    expect((await get(app, timemachine({ lat: 1, lon: 1, dt }))).status).toBe(200);
  });

  it('mounts under a prefix without knowing it', async () => {
    const { app, control } = createOpenWeatherMapSimulator({
      clock: createManualClock('2026-03-10T12:00:00Z'),
    });
    const root = new Hono();
    root.route('/openweathermap', app);
    const response = await root.request(
      `/openweathermap${timemachine({ lat: 1, lon: 1, dt: epoch('2024-01-01T00:00:00Z') })}`,
    );
    expect(response.status).toBe(200);
    expect(control.inspect().requests.byEndpoint).toEqual({ 'onecall/timemachine': { '200': 1 } });
  });
});
