import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { observe } from '../../sim/weather/weather-model.ts';
import { resolveLimits } from '../../src/budget/provider-limits.ts';
import { ConfigError, RateLimitedError, TransientError } from '../../src/core/errors.ts';
import { HOUR_MS, utcDay, weatherSlotOf } from '../../src/enrichment/grid-cell.ts';
import { planArchiveChunks } from '../../src/enrichment/providers/open-meteo/archive-chunks.ts';
import {
  archiveSearchParams,
  parseArchiveBody,
} from '../../src/enrichment/providers/open-meteo/open-meteo-archive.ts';
import { classifyOpenMeteoFailure } from '../../src/enrichment/providers/open-meteo/open-meteo-failures.ts';
import { createOpenMeteoWeather } from '../../src/enrichment/providers/open-meteo/open-meteo-weather.ts';
import { describeWmoCode } from '../../src/enrichment/weather/weather-conditions.ts';
import { midpointOf, TRICKY_RUNS } from './test-runs.ts';
import { answered, outcomeOf, useProviderSims } from './weather-sims.ts';

describe('Open-Meteo archive client against the simulator', () => {
  const env = useProviderSims((s) => s.openMeteo.reset());
  const client = (overrides: Partial<Parameters<typeof createOpenMeteoWeather>[0]> = {}) =>
    createOpenMeteoWeather({
      ...env.basics(),
      archiveUrl: env.sims.urls.openMeteo,
      limits: resolveLimits().openMeteo,
      ...overrides,
    });

  it('returns the model’s weather for the hour containing each midpoint, in SI', async () => {
    const runs = TRICKY_RUNS.filter((r) => r.lat !== null);
    const slots = runs.map((r) => weatherSlotOf(r.lat!, r.lng!, midpointOf(r).getTime()));
    const batch = await client().observe(slots);
    expect(batch.halted).toBeUndefined();
    for (const [i, run] of runs.entries()) {
      const model = observe(run.lat!, run.lng!, midpointOf(run).getTime() / 1000);
      const outcome = outcomeOf(batch, slots[i]!);
      expect(outcome?.kind, run.label).toBe('observed');
      if (outcome?.kind !== 'observed') continue;
      expect(outcome.observation, run.label).toEqual({
        provider: 'open-meteo',
        observedAt: new Date(model.hour * 1000).toISOString(),
        gridLat: model.cell.lat,
        gridLng: model.cell.lng,
        temperatureC: model.temperatureC,
        feelsLikeC: model.feelsLikeC,
        dewPointC: model.dewPointC,
        humidityPct: model.humidity,
        pressureHpa: model.pressureMslHpa,
        windSpeedMps: model.windSpeedMs,
        windGustMps: model.windGustMs,
        windDeg: model.windDirectionDeg,
        precipitationMm: model.precipitationMm,
        cloudCoverPct: model.cloudCover,
        visibilityM: null,
        weatherCode: model.weatherCode,
        ...describeWmoCode(model.weatherCode, model.isDay),
      });
    }
  });

  it('converts an answer in Open-Meteo’s default units (wind in km/h) by its labels', async () => {
    // Asked without wind_speed_unit, as a client that forgot would: km/h comes back.
    const params = archiveSearchParams(52.5, 13.4, { startDay: 20240, endDay: 20240 });
    params.delete('wind_speed_unit');
    params.set('temperature_unit', 'fahrenheit');
    const response = await fetch(`${env.sims.urls.openMeteo}?${params}`);
    const body = await response.json();
    expect(body.hourly_units.wind_speed_10m).toBe('km/h');
    const rows = parseArchiveBody(body);
    if (typeof rows === 'string') throw new Error(rows);
    const hour = Date.parse('2025-06-01T14:00:00Z'); // epoch day 20240
    const model = observe(52.5, 13.4, hour / 1000);
    const row = rows.get(hour);
    if (row === undefined || row === 'missing') throw new Error('no row');
    expect(row.windSpeedMps).toBeCloseTo(model.windSpeedMs, 1);
    expect(row.windGustMps).toBeCloseTo(model.windGustMs, 1);
    expect(row.temperatureC).toBeCloseTo(model.temperatureC, 1);
    expect(row.windSpeedMps).not.toBeCloseTo(model.windSpeedMs * 3.6, 0);
  });

  it('makes one call per cell and date range, however many runs share them', async () => {
    const at = (iso: string) => Date.parse(iso);
    const berlin = [
      '2025-05-01T07:10:00Z',
      '2025-05-01T07:40:00Z', // same slot as the first
      '2025-05-03T18:00:00Z',
      '2025-05-12T06:00:00Z', // a 9-day gap: bridged
      '2025-08-30T06:00:00Z', // months later: its own range
    ].map((iso) => weatherSlotOf(52.52, 13.405, at(iso)));
    const paris = ['2025-05-02T06:00:00Z'].map((iso) => weatherSlotOf(48.8566, 2.3522, at(iso)));
    const slots = [...berlin, ...paris];
    const batch = await client().observe(slots);
    const ranges =
      planArchiveChunks(berlin.map((s) => utcDay(s.hourMs))).length +
      planArchiveChunks(paris.map((s) => utcDay(s.hourMs))).length;
    expect(ranges).toBe(3);
    expect(batch.calls).toBe(3);
    expect(answered(env.sims.openMeteo.inspect().requests, 'archive')).toBe(3);
    expect([...batch.outcomes.values()].every((o) => o.kind === 'observed')).toBe(true);
  });

  it('lets days past the archive’s end wait, and fetches the rest of the range', async () => {
    env.sims.openMeteo.setArchiveDelayDays(8); // the real archive lags more than the client assumes
    const now = env.sims.clock.now();
    const old = weatherSlotOf(52.52, 13.405, now - 9 * 24 * HOUR_MS);
    const recent = weatherSlotOf(52.52, 13.405, now - 6 * 24 * HOUR_MS);
    const batch = await client().observe([old, recent]);
    expect(outcomeOf(batch, old)?.kind).toBe('observed');
    expect(outcomeOf(batch, recent)).toEqual({
      kind: 'not_yet',
      retryAt: new Date(now + 2 * 24 * HOUR_MS),
    });
    expect(env.sims.openMeteo.inspect().requests.byEndpoint.archive).toEqual({
      '200': 1,
      '400': 1,
    });
  });

  it('says when an hour is in the archive: day D once today is D + 5', () => {
    const provider = client();
    const hour = Date.parse('2026-03-05T23:00:00Z');
    expect(new Date(provider.availableAt(hour))).toEqual(new Date('2026-03-10T00:00:00Z'));
  });

  it('stops at a spent minute without sleeping through it, and goes on once it has passed', async () => {
    env.sims.openMeteo.setLimits({ perMinute: 2 }); // a day of 12 variables weighs 1.2
    const slots = ['2025-01-01', '2025-03-01', '2025-06-01'].map((d) =>
      weatherSlotOf(52.52, 13.405, Date.parse(`${d}T10:00:00Z`)),
    );
    const before = env.sims.clock.now();
    const provider = client();
    const batch = await provider.observe(slots);
    expect([...batch.outcomes.values()].map((o) => o.kind)).toEqual(['observed', 'observed']);
    expect(batch.halted).toBeInstanceOf(RateLimitedError);
    const reopens = (batch.halted as RateLimitedError).resumeAt;
    expect(reopens).toEqual(new Date(before + 60_000));
    // Nothing is spaced, and the minute is not slept through: no time went by.
    expect(env.sims.clock.now() - before).toBe(0);

    env.sims.clock.set(reopens.getTime());
    const rest = await provider.observe([slots[2]!]);
    expect(outcomeOf(rest, slots[2]!)?.kind).toBe('observed');
    expect(env.sims.openMeteo.inspect().requests.byEndpoint.archive).toEqual({
      '200': 3,
      '429': 1,
    });
  });

  it('parks until midnight UTC when the day’s requests are spent', async () => {
    env.sims.openMeteo.setLimits({ perDay: 1 }); // a day of 12 variables weighs 1.2
    const slots = ['2025-01-01', '2025-03-01'].map((d) =>
      weatherSlotOf(52.52, 13.405, Date.parse(`${d}T10:00:00Z`)),
    );
    const batch = await client().observe(slots);
    expect(outcomeOf(batch, slots[0]!)?.kind).toBe('observed');
    expect(batch.halted).toBeInstanceOf(RateLimitedError);
    expect(batch.halted?.message).toBe('open-meteo 429 (weighted:daily)');
    expect((batch.halted as RateLimitedError).resumeAt).toEqual(new Date('2026-03-11T00:00:00Z'));
  });

  it('parks until the next hour when the hour’s requests are spent', async () => {
    const hourly = new Hono().get('*', (c) =>
      c.json(
        {
          error: true,
          reason: 'Hourly API request limit exceeded. Please try again in the next hour.',
        },
        429,
      ),
    );
    const batch = await client({ archiveUrl: env.sims.mount('open-meteo-hourly', hourly) }).observe(
      [weatherSlotOf(52.52, 13.405, Date.parse('2025-01-01T10:00:00Z'))],
    );
    expect(batch.halted).toBeInstanceOf(RateLimitedError);
    expect(batch.halted?.message).toBe('open-meteo 429 (hourly limit)');
    expect((batch.halted as RateLimitedError).resumeAt).toEqual(new Date('2026-03-10T13:00:00Z'));
    expect(batch.calls).toBe(1);
  });

  it('sends a commercial plan’s key as apikey, and the simulator’s weather comes back', async () => {
    const keys: (string | undefined)[] = [];
    const archiveUrl = env.sims.mount(
      'open-meteo-customer',
      new Hono().get('/v1/archive', async (c) => {
        keys.push(c.req.query('apikey'));
        const url = new URL(c.req.url);
        url.searchParams.delete('apikey');
        return fetch(`${env.sims.urls.openMeteo}${url.search}`);
      }),
    );
    const slot = weatherSlotOf(52.52, 13.405, Date.parse('2025-01-01T10:00:00Z'));
    const batch = await client({
      archiveUrl: `${archiveUrl}/v1/archive`,
      apiKey: 'om-key',
    }).observe([slot]);
    expect(outcomeOf(batch, slot)?.kind).toBe('observed');
    expect(keys).toEqual(['om-key']);
  });

  it('turns a wrong address into one operator error', async () => {
    const batch = await client({ archiveUrl: `${env.sims.urls.openMeteo}-nope` }).observe([
      weatherSlotOf(52.52, 13.405, Date.parse('2025-01-01T10:00:00Z')),
      weatherSlotOf(48.85, 2.35, Date.parse('2025-01-01T10:00:00Z')),
    ]);
    expect(batch.halted).toBeInstanceOf(ConfigError);
    expect(batch.halted?.code).toBe('open_meteo_not_found');
    expect(batch.calls).toBe(1);
  });
});

describe('what a failed Open-Meteo answer means', () => {
  const reason = (text: string) => ({ error: true, reason: text });

  it('reads a 400 naming the archive’s last day as the archive ending there', () => {
    const failure = classifyOpenMeteoFailure(
      400,
      reason("Parameter 'end_date' is out of allowed range from 1940-01-01 to 2026-03-02"),
    );
    expect(failure).toEqual({ action: 'archive_ends', lastDay: utcDay(Date.parse('2026-03-02')) });
  });

  it.each([
    ['Minutely API request limit exceeded. Please try again in one minute.', 'minute'],
    ['Hourly API request limit exceeded. Please try again in the next hour.', 'hour'],
    ['Daily API request limit exceeded. Please try again tomorrow.', 'daily'],
    ['', 'daily'],
  ])('reads a 429 "%s" as the %s window spent', (text, window) => {
    expect(classifyOpenMeteoFailure(429, text ? reason(text) : undefined)).toEqual({
      action: 'rate_limited',
      window,
    });
  });

  it('turns a 404 into one operator error', () => {
    const failure = classifyOpenMeteoFailure(404, reason('Not Found'));
    expect(failure.action === 'throw' && failure.error).toBeInstanceOf(ConfigError);
    expect(failure).toMatchObject({
      error: { code: 'open_meteo_not_found', message: 'HTTP 404: Not Found' },
    });
  });

  it.each([
    [
      400,
      reason('Cannot initialize WeatherVariable from invalid String value tempeature_2m'),
      'HTTP 400: Cannot initialize WeatherVariable from invalid String value tempeature_2m',
    ],
    [400, reason('out of allowed range, no date'), 'HTTP 400: out of allowed range, no date'],
    [503, undefined, 'HTTP 503'],
    [418, { unexpected: 'shape' }, 'HTTP 418'],
  ])('fails only the call at hand on HTTP %s', (status, body, message) => {
    const failure = classifyOpenMeteoFailure(status, body);
    expect(failure.action === 'throw' && failure.error).toBeInstanceOf(TransientError);
    expect(failure).toMatchObject({ error: { code: 'weather_call_failed', message } });
  });
});
