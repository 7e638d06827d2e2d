import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiLedger } from '../../src/budget/api-ledger.ts';
import { FLAG_KEYS, providerFlag } from '../../src/core/feature-flags.ts';
import { createEnrichmentServices } from '../../src/enrichment/enrichment-services.ts';
import { createFeatureFlags, featureFlagStore } from '../../src/store/feature-flags.ts';
import { enrichForSync } from '../../src/sync/enrich-for-sync.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';
import { type StravaHarness, startStravaHarness } from '../support/strava-harness.ts';
import { startWeatherSims, type WeatherSims } from '../weather/weather-sims.ts';
import { runToEnd, startSession, syncDeps } from './sync-harness.ts';

/** A real sync (Postgres, the Strava, Open-Meteo and Nominatim simulators) under feature flags. */
describe('a sync under feature flags', () => {
  let t: TestDatabase;
  let sims: WeatherSims;
  let h: StravaHarness;

  beforeAll(async () => {
    t = await createTestDatabase('postgres');
    sims = await startWeatherSims();
    h = await startStravaHarness(t.db, { activityCount: 40, clock: sims.clock });
  });
  afterAll(async () => {
    await h.close();
    await sims.close();
    await t.dispose();
  });

  /** A new runner on the simulator's one athlete: the previous runner and their runs are let go. */
  const newRunner = async () => {
    await t.db.query('delete from activities');
    await t.db.query('delete from strava_connections');
    const userId = await insertUser(t.db);
    await h.connect(userId);
    return userId;
  };

  const syncFor = async (userId: string) => {
    const services = createEnrichmentServices(sims.settings({ provider: 'open-meteo' }), {
      ledger: createApiLedger(t.db, sims.clock),
      clock: sims.clock,
      userAgent: 'stridesync-test/1.0',
      sleep: (ms) => sims.sleep(ms),
    });
    const flags = createFeatureFlags(t.db, { clock: sims.clock });
    const deps = syncDeps(t.db, h, { enrich: enrichForSync(t.db, services, sims.clock, flags) });
    await runToEnd(deps, (await startSession(t.db, userId)).id);
    const { rows } = await t.db.query<{ weather: string; place: string; n: number }>(
      `select weather_status as weather, place_status as place, count(*)::int as n
       from activities where user_id = $1 group by 1, 2`,
      [userId],
    );
    const count = (column: 'weather' | 'place', status: string) =>
      rows.filter((r) => r[column] === status).reduce((sum, r) => sum + r.n, 0);
    return { count, calls: () => sims.openMeteo.inspect().requests.total };
  };

  it('skips weather for a user the flag is off for, and still stores runs and places', async () => {
    const userId = await newRunner();
    await featureFlagStore.set(t.db, FLAG_KEYS.weather, { rolloutPercent: 100, deny: [userId] });
    const weatherCallsBefore = sims.openMeteo.inspect().requests.total;
    const { count, calls } = await syncFor(userId);
    expect(calls()).toBe(weatherCallsBefore);
    expect(count('weather', 'enriched')).toBe(0);
    expect(count('weather', 'pending')).toBeGreaterThan(0);
    expect(count('place', 'enriched')).toBeGreaterThan(0);
  });

  it('looks the weather up for a user it is on for', async () => {
    const userId = await newRunner();
    await featureFlagStore.set(t.db, FLAG_KEYS.weather, { allow: [userId] });
    const { count } = await syncFor(userId);
    expect(count('weather', 'enriched')).toBeGreaterThan(0);
  });

  it('asks no provider whose own flag is off for the user: Nominatim off, none of its calls', async () => {
    const userId = await newRunner();
    await featureFlagStore.set(t.db, FLAG_KEYS.weather, { allow: [userId] });
    await featureFlagStore.off(t.db, providerFlag('nominatim'));
    const nominatimCallsBefore = sims.nominatim.inspect().requests.total;
    const { count } = await syncFor(userId);
    expect(sims.nominatim.inspect().requests.total).toBe(nominatimCallsBefore);
    expect(count('weather', 'enriched')).toBeGreaterThan(0);
    await t.db.query('delete from feature_flags where key = $1', [providerFlag('nominatim')]);
  });
});
