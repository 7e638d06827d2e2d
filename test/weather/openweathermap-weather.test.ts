import { describe, expect, it } from 'vitest';
import { NO_ONE_CALL_OWM_KEY } from '../../sim/weather/openweathermap.ts';
import { observe } from '../../sim/weather/weather-model.ts';
import { resolveLimits } from '../../src/budget/provider-limits.ts';
import { ConfigError, RateLimitedError, TransientError } from '../../src/core/errors.ts';
import { HOUR_MS, weatherSlotOf } from '../../src/enrichment/grid-cell.ts';
import { classifyOwmFailure } from '../../src/enrichment/providers/openweathermap/openweathermap-failures.ts';
import { owmObservation } from '../../src/enrichment/providers/openweathermap/openweathermap-observation.ts';
import { createOpenWeatherMapWeather } from '../../src/enrichment/providers/openweathermap/openweathermap-weather.ts';
import { judgeObservation } from '../../src/enrichment/weather/plausibility.ts';
import { readApiSample } from '../support/api-samples.ts';
import { midpointOf, TRICKY_RUNS } from './test-runs.ts';
import { answered, outcomeOf, useProviderSims } from './weather-sims.ts';

describe('OpenWeatherMap One Call 3.0 timemachine client against the simulator', () => {
  const env = useProviderSims((s) => s.owm.reset());
  const client = (overrides: Partial<Parameters<typeof createOpenWeatherMapWeather>[0]> = {}) =>
    createOpenWeatherMapWeather({
      ...env.basics(),
      apiUrl: env.sims.urls.owm,
      apiKey: env.sims.settings().openWeatherApiKey!,
      limits: resolveLimits().openWeatherMap,
      ...overrides,
    });
  const slotAt = (iso: string, lat = 52.52, lng = 13.405) =>
    weatherSlotOf(lat, lng, Date.parse(iso));

  it('returns the model’s weather, metric, asked at the cell centre and the hour’s middle', async () => {
    const runs = TRICKY_RUNS.filter((r) => r.lat !== null);
    const slots = runs.map((r) => weatherSlotOf(r.lat!, r.lng!, midpointOf(r).getTime()));
    const batch = await client().observe(slots);
    // The two date-line runs share one slot: one call for both.
    expect(batch.calls).toBe(runs.length - 1);
    for (const [i, run] of runs.entries()) {
      const model = observe(run.lat!, run.lng!, midpointOf(run).getTime() / 1000);
      const outcome = outcomeOf(batch, slots[i]!);
      if (outcome?.kind !== 'observed') throw new Error(`${run.label}: ${JSON.stringify(outcome)}`);
      expect(outcome.observation, run.label).toEqual({
        provider: 'openweathermap',
        observedAt: new Date((model.hour + 1800) * 1000).toISOString(),
        gridLat: model.cell.lat,
        gridLng: model.cell.lng,
        temperatureC: model.temperatureC,
        feelsLikeC: model.feelsLikeC,
        dewPointC: model.dewPointC,
        humidityPct: model.humidity,
        pressureHpa: Math.round(model.pressureMslHpa), // OWM prints whole hPa
        windSpeedMps: model.windSpeedMs,
        windGustMps: model.windGustMs - model.windSpeedMs >= 2 ? model.windGustMs : null,
        windDeg: model.windDirectionDeg,
        precipitationMm: model.precipitationMm,
        cloudCoverPct: model.cloudCover,
        visibilityM: model.visibilityM,
        weatherCode: model.weatherCode,
        description: model.condition.description,
        icon: model.condition.icon,
      });
    }
  });

  it('rejects Kelvin passed off as Celsius: the real sample read as metric is implausible', () => {
    const sample = readApiSample('owm_onecall3_timemachine_response.json');
    const observation = owmObservation(sample, 1645888976 * 1000);
    if (typeof observation === 'string') throw new Error(observation);
    const outcome = judgeObservation(observation);
    expect(outcome.kind).toBe('rejected');
    expect(outcome.kind === 'rejected' && outcome.reason).toContain('temperatureC 279.13');
  });

  it('refuses an answer for another time than asked (no current weather for a past run)', () => {
    const sample = readApiSample('owm_onecall3_timemachine_response.json');
    expect(owmObservation(sample, (1645888976 + 3 * 3600) * 1000)).toMatch(/answered for/);
  });

  it('reads `cod` as a number or a string', () => {
    for (const body of [
      { cod: 400, message: 'requested time is out of allowed range', parameters: ['dt'] },
      { cod: '400', message: 'wrong latitude' },
    ]) {
      const failure = classifyOwmFailure(400, body);
      expect(failure.action === 'throw' && failure.error).toBeInstanceOf(TransientError);
      expect(failure.action === 'throw' && failure.error.message).toContain(body.message);
    }
    expect(classifyOwmFailure(401, { cod: '401', message: 'Invalid API key.' })).toMatchObject({
      error: { code: 'openweathermap_key_invalid' },
    });
  });

  it('stops at the first refusal of the key: one operator error, one call', async () => {
    const slots = [slotAt('2025-01-01T10:00:00Z'), slotAt('2025-01-02T10:00:00Z')];
    const invalid = await client({ apiKey: 'not-a-key' }).observe(slots);
    expect(invalid.halted).toBeInstanceOf(ConfigError);
    expect(invalid.halted?.code).toBe('openweathermap_key_invalid');
    expect(invalid.halted?.userMessage).toContain('OPENWEATHER_API_KEY');
    expect(invalid.outcomes.size).toBe(0);
    const unsubscribed = await client({ apiKey: NO_ONE_CALL_OWM_KEY }).observe(slots);
    expect(unsubscribed.halted?.code).toBe('openweathermap_subscription_missing');
    expect(answered(env.sims.owm.inspect().requests, 'onecall/timemachine')).toBe(2);
  });

  it('stops until the minute ends on a first 429, until midnight UTC on one right after', async () => {
    env.sims.owm.setLimits({ perMinute: 2, perDay: 3 });
    const slots = [1, 2, 3, 4].map((d) => slotAt(`2025-01-0${d}T10:00:00Z`));
    const provider = client();
    const halts: Date[] = [];
    let open = slots;
    // Each batch stops at its 429 without sleeping; the next starts when that window reopens.
    for (let batch = 0; batch < 3 && open.length > 0; batch++) {
      const result = await provider.observe(open);
      open = open.filter((slot) => outcomeOf(result, slot)?.kind !== 'observed');
      expect(result.halted).toBeInstanceOf(RateLimitedError);
      const reopens = (result.halted as RateLimitedError).resumeAt;
      halts.push(reopens);
      env.sims.clock.set(reopens.getTime());
    }
    // 2 served; 429, taken as the minute; 1 served; 429, taken as the minute; 429 again right
    // after that minute: the daily cap, until midnight.
    expect(halts).toEqual([
      new Date('2026-03-10T12:01:00Z'),
      new Date('2026-03-10T12:02:00Z'),
      new Date('2026-03-11T00:00:00Z'),
    ]);
    expect(open).toHaveLength(1);
    expect(env.sims.owm.inspect().requests.byEndpoint['onecall/timemachine']).toEqual({
      '200': 3,
      '429': 3,
    });
  });

  it('never asks for an hour that has not settled into history', () => {
    const provider = client();
    const hour = Date.parse('2026-03-10T11:00:00Z');
    expect(provider.availableAt(hour)).toBe(hour + 2 * HOUR_MS);
  });

  it('opens its circuit after repeated failures and fails only what it tried', async () => {
    env.sims.owm.faults.set({ errorRates: { 500: 1 } });
    const slots = [1, 2, 3, 4, 5, 6, 7].map((d) => slotAt(`2025-01-0${d}T10:00:00Z`));
    const batch = await client().observe(slots);
    expect(batch.halted).toBeInstanceOf(TransientError);
    expect(batch.halted?.code).toBe('upstream_circuit_open');
    expect(batch.outcomes.size).toBe(5); // five calls, each after 4 attempts, then the breaker
    expect(outcomeOf(batch, slots[0]!)).toEqual({
      kind: 'failed',
      reason: 'OpenWeatherMap could not answer this request: HTTP 500: Internal error',
    });
    expect(answered(env.sims.owm.inspect().requests, 'onecall/timemachine')).toBe(20);
  });
});
