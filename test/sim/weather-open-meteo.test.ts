import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLACES } from '../../sim/places.ts';
import { callWeight, createOpenMeteoSimulator } from '../../sim/weather/open-meteo.ts';
import {
  createOpenWeatherMapSimulator,
  DEFAULT_OWM_KEY,
} from '../../sim/weather/openweathermap.ts';
import { MS_TO_KMH, roundTo } from '../../sim/weather/units.ts';
import { observe } from '../../sim/weather/weather-model.ts';
import { createManualClock } from '../../src/core/clock.ts';
import { epoch, get, type ServedApp, serveApp } from './weather-support.ts';

const HOURLY = [
  'temperature_2m',
  'relative_humidity_2m',
  'dew_point_2m',
  'apparent_temperature',
  'precipitation',
  'rain',
  'snowfall',
  'weather_code',
  'pressure_msl',
  'surface_pressure',
  'cloud_cover',
  'wind_speed_10m',
  'wind_direction_10m',
  'wind_gusts_10m',
];
const place = (name: string) => PLACES.find((p) => p.name === name)!;
const archive = (params: Record<string, string | number>) =>
  `/v1/archive?${new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]))}`;

describe('Open-Meteo and OpenWeatherMap simulators over HTTP', () => {
  const clock = createManualClock('2026-03-10T12:00:00Z');
  const openMeteo = createOpenMeteoSimulator({ clock });
  const owm = createOpenWeatherMapSimulator({ clock, limits: { perMinute: 1000 } });
  let om: ServedApp;
  let ow: ServedApp;
  beforeAll(async () => {
    [om, ow] = await Promise.all([serveApp(openMeteo.app), serveApp(owm.app)]);
  });
  afterAll(async () => {
    openMeteo.control.close();
    owm.control.close();
    await Promise.all([om.close(), ow.close()]);
  });

  it("answers /v1/archive in Open-Meteo's shape, on the snapped grid point", async () => {
    const london = place('London');
    const response = await fetch(
      `${om.url}${archive({
        latitude: london.lat,
        longitude: london.lng,
        start_date: '2025-01-30',
        end_date: '2025-02-01',
        hourly: HOURLY.join(','),
      })}`,
    );
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(Object.keys(body)).toEqual([
      'latitude',
      'longitude',
      'generationtime_ms',
      'utc_offset_seconds',
      'timezone',
      'timezone_abbreviation',
      'elevation',
      'hourly_units',
      'hourly',
    ]);
    expect(body).toMatchObject({
      latitude: 51.5,
      longitude: -0.1,
      utc_offset_seconds: 0,
      timezone: 'GMT',
      timezone_abbreviation: 'GMT',
      elevation: 11,
    });
    expect(typeof body.generationtime_ms).toBe('number');
    expect(body.hourly_units).toEqual({
      time: 'iso8601',
      temperature_2m: '°C',
      relative_humidity_2m: '%',
      dew_point_2m: '°C',
      apparent_temperature: '°C',
      precipitation: 'mm',
      rain: 'mm',
      snowfall: 'cm',
      weather_code: 'wmo code',
      pressure_msl: 'hPa',
      surface_pressure: 'hPa',
      cloud_cover: '%',
      wind_speed_10m: 'km/h',
      wind_direction_10m: '°',
      wind_gusts_10m: 'km/h',
    });
    expect(Object.keys(body.hourly)).toEqual(['time', ...HOURLY]);
    expect(body.hourly.time).toHaveLength(72);
    expect(body.hourly.time[0]).toBe('2025-01-30T00:00');
    expect(body.hourly.time[71]).toBe('2025-02-01T23:00');
    for (const name of HOURLY) expect(body.hourly[name]).toHaveLength(72);
  });

  it('tells the same weather as OWM for the same cell and hour, within unit conversion', async () => {
    for (const name of ['Sydney', 'New York', 'Reykjavík', 'Mexico City']) {
      const p = place(name);
      const day = '2025-07-14';
      const om1 = await (
        await fetch(
          `${om.url}${archive({
            latitude: p.lat,
            longitude: p.lng,
            start_date: day,
            end_date: day,
            hourly: 'temperature_2m,wind_speed_10m,relative_humidity_2m,weather_code,precipitation',
            timeformat: 'unixtime',
          })}`,
        )
      ).json();
      const omMs = await (
        await fetch(
          `${om.url}${archive({
            latitude: p.lat,
            longitude: p.lng,
            start_date: day,
            end_date: day,
            hourly: 'wind_speed_10m',
            wind_speed_unit: 'ms',
          })}`,
        )
      ).json();
      for (const hour of [3, 11, 17]) {
        // A run's midpoint, mid-hour: OWM is asked for it; Open-Meteo's row is the hour it falls in.
        const midpoint = epoch(`${day}T${String(hour).padStart(2, '0')}:37:12Z`);
        const row = om1.hourly.time.indexOf(Math.floor(midpoint / 3600) * 3600);
        expect(row).toBe(hour);
        const owmAsk = async (units: string) =>
          (
            await (
              await fetch(
                `${ow.url}/data/3.0/onecall/timemachine?lat=${p.lat}&lon=${p.lng}&dt=${midpoint}&units=${units}&appid=${DEFAULT_OWM_KEY}`,
              )
            ).json()
          ).data[0];
        const [metric, standard, imperial] = await Promise.all([
          owmAsk('metric'),
          owmAsk('standard'),
          owmAsk('imperial'),
        ]);
        const celsius = om1.hourly.temperature_2m[row];
        expect(metric.temp).toBe(celsius);
        expect(roundTo(standard.temp - 273.15, 1)).toBe(celsius);
        expect(roundTo(((imperial.temp - 32) * 5) / 9, 1)).toBe(celsius);
        expect(om1.hourly.relative_humidity_2m[row]).toBe(metric.humidity);
        expect(om1.hourly.precipitation[row]).toBe(metric.rain?.['1h'] ?? metric.snow?.['1h'] ?? 0);
        // Open-Meteo's default wind unit is km/h; ask for m/s and it matches OWM's m/s exactly.
        expect(omMs.hourly.wind_speed_10m[row]).toBe(metric.wind_speed);
        expect(om1.hourly.wind_speed_10m[row]).toBe(roundTo(metric.wind_speed * MS_TO_KMH, 1));
        expect(om1.hourly.weather_code[row]).toBe(observe(p.lat, p.lng, midpoint).weatherCode);
      }
    }
  });
});

describe('Open-Meteo simulator in process', () => {
  const clock = createManualClock('2026-03-10T12:00:00Z');
  const { app, control } = createOpenMeteoSimulator({ clock });
  const ask = async (params: Record<string, string | number>) => {
    const response = await get(app, archive(params));
    return { status: response.status, body: await response.json() };
  };
  const base = {
    latitude: 52.52,
    longitude: 13.41,
    start_date: '2025-06-01',
    end_date: '2025-06-01',
  };

  it("uses the zone's offset at the clock's now for the whole series, as Open-Meteo does", async () => {
    // 10 March: London is on GMT, New York on EDT (−4 h, since 8 March 2026).
    const winter = await ask({
      ...base,
      latitude: 51.5,
      longitude: -0.12,
      timezone: 'Europe/London',
      hourly: 'temperature_2m',
    });
    expect(winter.body.utc_offset_seconds).toBe(0);
    clock.set('2026-07-01T12:00:00Z');
    const summer = await ask({
      ...base,
      latitude: 51.5,
      longitude: -0.12,
      timezone: 'Europe/London',
      hourly: 'temperature_2m',
      timeformat: 'unixtime',
    });
    expect(summer.body).toMatchObject({ utc_offset_seconds: 3600, timezone_abbreviation: 'GMT+1' });
    expect(summer.body.hourly.time[0]).toBe(epoch('2025-06-01T00:00:00Z') - 3600);
    expect(summer.body.hourly.temperature_2m[0]).toBe(
      observe(51.5, -0.12, epoch('2025-05-31T23:00:00Z')).temperatureC,
    );
    clock.set('2026-03-10T12:00:00Z');
    const auto = await ask({ ...base, latitude: 40.71, longitude: -74.0, timezone: 'auto' });
    expect(auto.body).toMatchObject({
      timezone: 'America/New_York',
      utc_offset_seconds: -4 * 3600,
      timezone_abbreviation: 'EDT',
    });
    expect(auto.body.hourly).toBeUndefined(); // no variables asked, none given
  });

  it('converts units on request', async () => {
    const t = epoch('2025-06-01T00:00:00Z');
    const o = observe(52.52, 13.41, t);
    const { body } = await ask({
      ...base,
      hourly: 'temperature_2m,wind_speed_10m,precipitation',
      temperature_unit: 'fahrenheit',
      wind_speed_unit: 'kn',
      precipitation_unit: 'inch',
    });
    expect(body.hourly_units).toMatchObject({
      temperature_2m: '°F',
      wind_speed_10m: 'kn',
      precipitation: 'inch',
    });
    expect(body.hourly.temperature_2m[0]).toBe(roundTo((o.temperatureC * 9) / 5 + 32, 1));
    expect(body.hourly.wind_speed_10m[0]).toBe(roundTo((o.windSpeedMs * 3600) / 1852, 1));
  });

  it('answers bad requests with {"error":true,"reason":…} and 400', async () => {
    const cases: [Record<string, string | number>, string][] = [
      [{ ...base, end_date: '2025-05-31' }, 'End-date must be larger or equals than start-date'],
      [
        { ...base, start_date: '1939-12-31' },
        "Parameter 'start_date' is out of allowed range from 1940-01-01 to 2026-03-05",
      ],
      [
        { ...base, end_date: '2026-03-06' },
        "Parameter 'end_date' is out of allowed range from 1940-01-01 to 2026-03-05",
      ],
      [{ ...base, start_date: '01/06/2025' }, "Invalid date format. Make sure to use 'YYYY-MM-DD'"],
      [{ ...base, end_date: '2025-02-30' }, 'Invalid date'],
      [
        { ...base, hourly: 'temperature_2m,tempeture_2m' },
        'Cannot initialize WeatherVariable from invalid String value tempeture_2m for key hourly',
      ],
      [
        { ...base, hourly: 'visibility' },
        'Cannot initialize WeatherVariable from invalid String value visibility for key hourly',
      ],
      [{ ...base, latitude: 91 }, 'Latitude must be in range of -90 to 90°. Given: 91.0.'],
      [
        { ...base, longitude: -180.5 },
        'Longitude must be in range of -180 to 180°. Given: -180.5.',
      ],
      [{ ...base, timezone: 'Mars/Olympus' }, 'Invalid timezone'],
      [{ ...base, start_date: '2000-01-01' }, 'Simulator: at most 3660 days per request'],
      [{ ...base, daily: 'temperature_2m_max' }, 'Simulator: daily variables are not simulated'],
      [
        { start_date: '2025-06-01', end_date: '2025-06-01' },
        "Parameter 'latitude' and 'longitude' must not be empty",
      ],
      [{ latitude: 1, longitude: 1 }, "Both 'start_date' and 'end_date' must be set in the url"],
      [
        { ...base, wind_speed_unit: 'furlongs' },
        'Cannot initialize WindspeedUnit from invalid String value furlongs for key wind_speed_unit',
      ],
    ];
    for (const [params, reason] of cases) {
      expect(await ask(params)).toEqual({ status: 400, body: { error: true, reason } });
    }
    expect((await ask({ ...base, start_date: '1940-01-01', end_date: '1940-01-01' })).status).toBe(
      200,
    );
    expect((await ask({ ...base, start_date: '2026-03-05', end_date: '2026-03-05' })).status).toBe(
      200,
    );
  });

  it('moves the end of the archive with the delay knob', async () => {
    control.setArchiveDelayDays(1);
    expect((await ask({ ...base, start_date: '2026-03-09', end_date: '2026-03-09' })).status).toBe(
      200,
    );
    expect((await ask({ ...base, end_date: '2026-03-10' })).body.reason).toBe(
      "Parameter 'end_date' is out of allowed range from 1940-01-01 to 2026-03-09",
    );
    control.reset();
    expect(control.archiveDelayDays()).toBe(5);
  });

  it('serves several locations in one call as an array', async () => {
    const { status, body } = await ask({
      ...base,
      latitude: '52.52,-33.87',
      longitude: '13.41,151.21',
      hourly: 'temperature_2m',
    });
    expect(status).toBe(200);
    expect(
      body.map((b: { latitude: number; longitude: number }) => [b.latitude, b.longitude]),
    ).toEqual([
      [52.5, 13.4],
      [-33.9, 151.2],
    ]);
  });

  it('caps weighted calls per UTC day and per minute, reset by the clock', async () => {
    const dayClock = createManualClock('2026-03-10T23:59:00Z');
    const sim = createOpenMeteoSimulator({ clock: dayClock, limits: { perDay: 2 } });
    const call = () => get(sim.app, archive({ ...base, hourly: 'temperature_2m' }));
    expect((await call()).status).toBe(200);
    expect((await call()).status).toBe(200);
    const refused = await call();
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({
      error: true,
      reason: 'Daily API request limit exceeded. Please try again tomorrow.',
    });
    dayClock.set('2026-03-11T00:00:00Z');
    expect((await call()).status).toBe(200);
    sim.control.setLimits({ perDay: 100, perMinute: 1 });
    expect((await call()).status).toBe(429);
    dayClock.advance(60_000);
    expect((await call()).status).toBe(200);
    expect(sim.control.inspect().requests.byEndpoint).toEqual({ archive: { '200': 4, '429': 2 } });
  });

  it('weighs heavy calls as Open-Meteo does (>10 variables, >2 weeks, each location)', () => {
    const hourly = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`);
    const points = [{ latitude: 0, longitude: 0 }];
    expect(callWeight({ points, hourly: hourly(5), startDay: 0, endDay: 6 })).toBe(1);
    expect(callWeight({ points, hourly: hourly(20), startDay: 0, endDay: 27 })).toBe(4);
    expect(
      callWeight({ points: [...points, ...points], hourly: hourly(1), startDay: 0, endDay: 0 }),
    ).toBe(2);
  });

  it('mounts under a prefix', async () => {
    const root = new Hono();
    root.route('/open-meteo', app);
    expect((await root.request(`/open-meteo${archive(base)}`)).status).toBe(200);
  });
});
