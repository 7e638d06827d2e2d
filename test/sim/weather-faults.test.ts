import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNominatimSimulator } from '../../sim/geocoding/nominatim.ts';
import { createOpenMeteoSimulator } from '../../sim/weather/open-meteo.ts';
import {
  createOpenWeatherMapSimulator,
  DEFAULT_OWM_KEY,
} from '../../sim/weather/openweathermap.ts';
import { createManualClock } from '../../src/core/clock.ts';
import { epoch, get, type ServedApp, serveApp } from './weather-support.ts';

const ARCHIVE =
  '/v1/archive?latitude=52.52&longitude=13.41&start_date=2025-06-01&end_date=2025-06-01&hourly=temperature_2m';
const TIMEMACHINE = `/data/3.0/onecall/timemachine?lat=1&lon=1&dt=${epoch('2024-01-01T00:00:00Z')}&appid=${DEFAULT_OWM_KEY}`;

async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('fault knobs', () => {
  it('injects error statuses in the API’s own body, before any quota is spent', async () => {
    const { app, control } = createOpenMeteoSimulator({
      clock: createManualClock('2026-03-10T12:00:00Z'),
      faults: { errorRates: { 503: 1 } },
    });
    const response = await get(app, ARCHIVE);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: true, reason: 'Internal Server Error' });
    expect(control.inspect()).toMatchObject({
      usage: { minute: 0, day: 0 },
      requests: { byEndpoint: { archive: { '503': 1 } } },
    });
    control.faults.set({ errorRates: {} });
    expect((await get(app, ARCHIVE)).status).toBe(200);
  });

  it('draws faults from a seed: the same seed gives the same sequence', async () => {
    const { app, control } = createOpenWeatherMapSimulator({
      clock: createManualClock('2026-03-10T12:00:00Z'),
      limits: { perMinute: 1000 },
      faults: { errorRates: { 500: 0.3, 502: 0.2 }, seed: 7 },
    });
    const run = async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 30; i += 1) statuses.push((await get(app, TIMEMACHINE)).status);
      return statuses;
    };
    const first = await run();
    control.reset();
    expect(await run()).toEqual(first);
    expect(new Set(first)).toEqual(new Set([200, 500, 502]));
    control.faults.set({ errorRates: { 500: 1 } });
    expect(await (await get(app, TIMEMACHINE)).json()).toEqual({
      cod: 500,
      message: 'Internal error',
    });
  });

  it('cuts JSON bodies in half and adds latency', async () => {
    const { app, control } = createOpenWeatherMapSimulator({
      clock: createManualClock('2026-03-10T12:00:00Z'),
      faults: { malformedJsonRate: 1 },
    });
    const response = await get(app, TIMEMACHINE);
    expect(response.status).toBe(200);
    await expect(response.json()).rejects.toThrow();
    control.faults.set({ malformedJsonRate: 0, latencyMs: 60, jitterMs: 20 });
    const started = performance.now();
    const slow = await get(app, TIMEMACHINE);
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    expect(await slow.json()).toHaveProperty('data');
  });

  it('applies faults to Nominatim after its usage policy', async () => {
    const { app } = createNominatimSimulator({
      clock: createManualClock(),
      faults: { errorRates: { 500: 1 } },
    });
    expect((await get(app, '/reverse?lat=51.5&lon=0&format=jsonv2')).status).toBe(403);
    const ua = { 'user-agent': 'stridesync-tests/1.0' };
    expect((await get(app, '/reverse?lat=51.5&lon=0&format=jsonv2', ua)).status).toBe(500);
  });
});

describe('hung requests over HTTP', () => {
  const { app, control } = createOpenMeteoSimulator({
    clock: createManualClock('2026-03-10T12:00:00Z'),
  });
  let server: ServedApp;
  beforeAll(async () => {
    server = await serveApp(app);
  });
  afterAll(async () => {
    control.close();
    await server.close();
  });

  it('hold until reset, then answer 503', async () => {
    control.faults.set({ hangRate: 1 });
    const pending = fetch(`${server.url}${ARCHIVE}`);
    await until(() => control.inspect().hung === 1);
    control.reset(); // releases, and restores the creation settings (no hangs)
    const released = await pending;
    expect(released.status).toBe(503);
    expect((await fetch(`${server.url}${ARCHIVE}`)).status).toBe(200);
  });

  it('are let go when the client gives up', async () => {
    control.faults.set({ hangRate: 1 });
    const abort = new AbortController();
    const pending = fetch(`${server.url}${ARCHIVE}`, { signal: abort.signal }).catch(
      (error: Error) => error.name,
    );
    await until(() => control.inspect().hung === 1);
    abort.abort();
    expect(await pending).toBe('AbortError');
    await until(() => control.inspect().hung === 0);
    control.reset();
  });
});
