import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { resolveLimits } from '../../src/budget/provider-limits.ts';
import { ConfigError, RateLimitedError } from '../../src/core/errors.ts';
import { stridesyncUserAgent } from '../../src/enrichment/enrichment-services.ts';
import type { PlaceProvider } from '../../src/enrichment/geocoding/place-provider.ts';
import { MAX_PLACE_NAME_LENGTH } from '../../src/enrichment/geocoding/place-provider.ts';
import { cellKey, cellOf, PLACE_CELLS_PER_DEGREE } from '../../src/enrichment/grid-cell.ts';
import { createNominatimPlaces } from '../../src/enrichment/providers/nominatim/nominatim-geocoding.ts';
import { createOpenWeatherMapPlaces } from '../../src/enrichment/providers/openweathermap/openweathermap-geocoding.ts';
import { clearEnrichmentState, NOW, useProviderSims } from './weather-sims.ts';

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

  describe('what each Nominatim answer means', () => {
    type Answer = { status: number; body: string; headers?: Record<string, string> };
    let answer: Answer = { status: 200, body: '{}' };
    const scripted = () =>
      createNominatimPlaces({
        ...env.basics(),
        baseUrl: env.sims.mount(
          'nominatim-script',
          new Hono().get('/reverse', (c) =>
            c.body(answer.body, answer.status as 200, {
              'content-type': 'application/json',
              ...answer.headers,
            }),
          ),
        ),
        userAgent,
        limits: resolveLimits().nominatim,
      });
    const [cell] = cells;
    const failed = (detail: string) => ({
      kind: 'failed',
      reason: `Nominatim could not answer this request: ${detail}`,
    });

    it.each([
      [
        'nothing near (200 "Unable to geocode")',
        { status: 200, body: '{"error":"Unable to geocode"}' },
        { kind: 'none', provider: 'nominatim', raw: { error: 'Unable to geocode' } },
        1,
      ],
      [
        'a 200 that is not JSON',
        { status: 200, body: '<html>oops</html>' },
        failed('unexpected reverse body'),
        1,
      ],
      [
        'a 200 of another shape',
        { status: 200, body: '{"address":"nowhere"}' },
        failed('unexpected reverse body'),
        1,
      ],
      ['a 400', { status: 400, body: '{"error":"Invalid coordinates"}' }, failed('HTTP 400'), 1],
      ['a 404', { status: 404, body: 'not here' }, failed('HTTP 404'), 1],
      ['a 500 on every attempt', { status: 500, body: '{}' }, failed('HTTP 500'), 4],
    ])('%s fails or answers only that cell', async (_, scriptedAnswer, outcome, calls) => {
      answer = scriptedAnswer;
      const batch = await scripted().resolve([cell!]);
      expect(batch.halted).toBeUndefined();
      expect(batch.outcomes.get(cellKey(cell!))).toEqual(outcome);
      expect(batch.calls).toBe(calls);
    });

    it('bounds the names it keeps: no control or direction characters, at most 100 characters', async () => {
      const long = `Spring${'field'.repeat(40)}`;
      answer = {
        status: 200,
        body: JSON.stringify({
          address: {
            city: `Evil\u202Eville\u0000\n  town`,
            state: long,
            country: '   ',
            country_code: 'g<script>b',
          },
        }),
      };
      const batch = await scripted().resolve([cell!]);
      const outcome = batch.outcomes.get(cellKey(cell!));
      expect(outcome).toMatchObject({
        kind: 'found',
        place: {
          provider: 'nominatim',
          city: 'Evilville town',
          state: long.slice(0, MAX_PLACE_NAME_LENGTH),
          country: null,
          countryCode: null,
        },
      });
    });

    it('a 403 stops the provider with one operator error naming the host', async () => {
      answer = { status: 403, body: '<html>Access blocked</html>' };
      const batch = await scripted().resolve(cells);
      expect(batch.halted).toBeInstanceOf(ConfigError);
      expect(batch.halted).toMatchObject({
        code: 'nominatim_access_denied',
        message: `HTTP 403 from ${new URL(env.sims.urls.nominatim).host}`,
      });
      expect(batch.calls).toBe(1);
    });

    it('a 429 with a long Retry-After parks the provider until then', async () => {
      answer = { status: 429, body: '{}', headers: { 'retry-after': '120' } };
      const batch = await scripted().resolve(cells);
      expect(batch.halted).toBeInstanceOf(RateLimitedError);
      expect((batch.halted as RateLimitedError).resumeAt).toEqual(
        new Date(Date.parse(NOW) + 120_000),
      );
      expect(batch.halted?.message).toBe('nominatim 429 with Retry-After');
      expect(batch.calls).toBe(1);
    });

    it('a 429 without Retry-After holds the pace for seconds, not the minute, and tries again', async () => {
      answer = { status: 429, body: '{}' };
      const batch = await scripted().resolve(cells);
      // Refused after every pause: given up after three short pauses, not a minute's wait.
      expect(batch.halted).toBeInstanceOf(RateLimitedError);
      expect(batch.halted?.message).toBe('nominatim 429 (pace held until then)');
      expect(batch.calls).toBe(4);
      const waited = env.sims.clock.now() - Date.parse(NOW);
      expect(waited).toBeGreaterThanOrEqual(3 * 2000);
      expect(waited).toBeLessThan(60_000);

      // A refusal once, then answers: the cell is placed after the pause, nothing halts.
      await clearEnrichmentState(env.db);
      let refusals = 1;
      const once = createNominatimPlaces({
        ...env.basics(),
        baseUrl: env.sims.mount(
          'nominatim-refuses-once',
          new Hono().get('/reverse', (c) =>
            refusals-- > 0
              ? c.body('Too many requests', 429)
              : c.json({ address: { city: 'London', country: 'United Kingdom' } }),
          ),
        ),
        userAgent,
        limits: resolveLimits().nominatim,
      });
      const started = env.sims.clock.now();
      const placed = await once.resolve([cell!]);
      expect(placed.halted).toBeUndefined();
      expect(placed.calls).toBe(2);
      expect(placed.outcomes.get(cellKey(cell!))).toMatchObject({ kind: 'found' });
      expect(env.sims.clock.now() - started).toBeLessThan(5_000);
    });

    it('sleeps a Retry-After of a second, and stops instead when the run is stopping', async () => {
      answer = { status: 429, body: '{}', headers: { 'retry-after': '1' } };
      const stopping = new AbortController();
      stopping.abort();
      const stopped = await scripted().resolve(cells, { signal: stopping.signal });
      expect(stopped.halted?.code).toBe('enrichment_stopped');
      expect(stopped.calls).toBe(0);

      const batch = await scripted().resolve([cells[0]!], { deadlineMs: Date.parse(NOW) + 500 });
      // The second would end past the deadline: not slept, the window is the provider's halt.
      expect(batch.halted).toBeInstanceOf(RateLimitedError);
      expect(env.sims.clock.now()).toBe(Date.parse(NOW));

      // Unbounded, the second is slept; a provider that refuses after every pause is given up.
      const refusing = await scripted().resolve([cells[0]!]);
      expect(refusing.halted).toBeInstanceOf(RateLimitedError);
      expect(refusing.calls).toBe(4);
      expect(env.sims.clock.now()).toBeGreaterThanOrEqual(Date.parse(NOW) + 3000);
    });
  });
});
