import { describe, expect, it } from 'vitest';
import { resolveLimits } from '../../src/budget/provider-limits.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { stridesyncUserAgent } from '../../src/enrichment/enrichment-services.ts';
import type { PlaceProvider } from '../../src/enrichment/geocoding/place-provider.ts';
import { cellKey, cellOf, PLACE_CELLS_PER_DEGREE } from '../../src/enrichment/grid-cell.ts';
import { createNominatimPlaces } from '../../src/enrichment/providers/nominatim/nominatim-geocoding.ts';
import { createOpenWeatherMapPlaces } from '../../src/enrichment/providers/openweathermap/openweathermap-geocoding.ts';
import { useProviderSims } from './weather-sims.ts';

/** Start points a few km from gazetteer cities (sim/places.ts), and one at sea. */
const STARTS = [
  {
    at: [51.5203, -0.1012],
    city: 'London',
    state: 'England',
    country: 'United Kingdom',
    code: 'GB',
  },
  {
    at: [-33.89, 151.19],
    city: 'Sydney',
    state: 'New South Wales',
    country: 'Australia',
    code: 'AU',
  },
  { at: [1.3, 103.85], city: 'Singapore', state: null, country: 'Singapore', code: 'SG' },
  {
    at: [-34.58, -58.42],
    city: 'Buenos Aires',
    state: 'Buenos Aires',
    country: 'Argentina',
    code: 'AR',
  },
  {
    at: [64.15, -21.95],
    city: 'Reykjavík',
    state: 'Capital Region',
    country: 'Iceland',
    code: 'IS',
  },
] as const;
const AT_SEA = cellOf(-17, 179.97, PLACE_CELLS_PER_DEGREE);

describe('reverse geocoding against the simulators', () => {
  const env = useProviderSims((s) => {
    s.owm.reset();
    s.nominatim.reset();
  });
  const userAgent = stridesyncUserAgent('https://runs.example.test');
  const cells = STARTS.map(({ at }) => cellOf(at[0], at[1], PLACE_CELLS_PER_DEGREE));
  const providers: Record<string, () => PlaceProvider> = {
    openweathermap: () =>
      createOpenWeatherMapPlaces({
        ...env.basics(),
        apiUrl: env.sims.urls.owm,
        apiKey: env.sims.settings().openWeatherApiKey!,
        limits: resolveLimits().openWeatherMap,
      }),
    nominatim: () =>
      createNominatimPlaces({
        ...env.basics(),
        baseUrl: env.sims.urls.nominatim,
        userAgent,
        limits: resolveLimits().nominatim,
      }),
  };

  it.each(Object.keys(providers))(
    '%s resolves runs near known cities, in English',
    async (name) => {
      const batch = await providers[name]!().resolve([...cells, AT_SEA]);
      expect(batch.halted).toBeUndefined();
      expect(batch.calls).toBe(cells.length + 1);
      for (const [i, start] of STARTS.entries()) {
        expect(batch.outcomes.get(cellKey(cells[i]!))).toMatchObject({
          kind: 'found',
          place: {
            provider: name,
            city: start.city,
            state: start.state,
            country: start.country,
            countryCode: start.code,
          },
        });
      }
      expect(batch.outcomes.get(cellKey(AT_SEA))).toMatchObject({ kind: 'none', provider: name });
    },
  );

  it('keeps Nominatim’s policy: identifies itself and asks at most once a second', async () => {
    const before = env.sims.clock.now();
    await providers.nominatim!().resolve(cells);
    const requests = env.sims.nominatim.inspect().requests;
    expect(requests.byKey).toEqual({ [userAgent]: cells.length });
    expect(requests.byEndpoint.reverse).toEqual({ '200': cells.length });
    expect(env.sims.clock.now() - before).toBeGreaterThanOrEqual((cells.length - 1) * 1000);
  });

  it('turns Nominatim’s 403 (an unidentified client) into one operator error', async () => {
    const anonymous = createNominatimPlaces({
      ...env.basics(),
      baseUrl: env.sims.urls.nominatim,
      userAgent: 'node',
      limits: resolveLimits().nominatim,
    });
    const batch = await anonymous.resolve(cells);
    expect(batch.halted).toBeInstanceOf(ConfigError);
    expect(batch.halted?.code).toBe('nominatim_access_denied');
    expect(batch.calls).toBe(1);
  });
});
