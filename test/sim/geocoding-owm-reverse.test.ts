import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOpenWeatherMapSimulator,
  DEFAULT_OWM_KEY,
  NO_ONE_CALL_OWM_KEY,
} from '../../sim/weather/openweathermap.ts';
import { createManualClock } from '../../src/core/clock.ts';
import { readApiSample } from '../support/api-samples.ts';
import { type ServedApp, serveApp } from './weather-support.ts';

const fixture = readApiSample('owm_geo_reverse_response.json') as Record<string, unknown>[];
const FIXTURE_KEYS = [...new Set(fixture.flatMap((entry) => Object.keys(entry)))].sort();

describe('OpenWeatherMap reverse geocoding over HTTP', () => {
  const { app, control } = createOpenWeatherMapSimulator({
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
  const reverse = async (query: string, key = DEFAULT_OWM_KEY) => {
    const response = await fetch(`${server.url}/geo/1.0/reverse?${query}&appid=${key}`);
    return { status: response.status, body: await response.json() };
  };

  it("names London from the documented example's coordinates, in the example's shape", async () => {
    const { status, body } = await reverse('lat=51.5098&lon=-0.1180&limit=5');
    expect(status).toBe(200);
    expect(Array.isArray(body)).toBe(true);
    expect(body[0]).toMatchObject({ name: 'London', country: 'GB', state: 'England' });
    for (const entry of body) {
      const keys = Object.keys(entry)
        .filter((key) => key !== 'state')
        .sort();
      expect(keys).toEqual(FIXTURE_KEYS);
      expect(typeof entry.lat).toBe('number');
      expect(typeof entry.lon).toBe('number');
      expect(entry.local_names).toMatchObject({ en: entry.name, feature_name: entry.name });
    }
  });

  it('returns an empty array out at sea', async () => {
    expect(await reverse('lat=30&lon=-40')).toEqual({ status: 200, body: [] });
  });

  it('leaves out a state where the place has none, and ASCII-folds local names', async () => {
    const singapore = await reverse('lat=1.35&lon=103.82');
    expect(singapore.body).toEqual([
      {
        name: 'Singapore',
        local_names: { en: 'Singapore', ascii: 'Singapore', feature_name: 'Singapore' },
        lat: 1.3521,
        lon: 103.8198,
        country: 'SG',
      },
    ]);
    const saoPaulo = await reverse('lat=-23.55&lon=-46.63');
    expect(saoPaulo.body[0].local_names.ascii).toBe('Sao Paulo');
  });

  it('works for a key without One Call, and refuses bad input as OWM does', async () => {
    expect((await reverse('lat=51.5&lon=0', NO_ONE_CALL_OWM_KEY)).status).toBe(200);
    expect(await reverse('lat=51.5&lon=0', 'nope')).toEqual({
      status: 401,
      body: readApiSample('owm_401_invalid_api_key.json'),
    });
    expect(await reverse('lat=95&lon=0')).toEqual({
      status: 400,
      body: { cod: '400', message: 'wrong latitude' },
    });
  });
});
