import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiLedger } from '../../src/budget/api-ledger.ts';
import { createEnrichmentServices } from '../../src/enrichment/enrichment-services.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createOpsRecorder } from '../../src/store/ops-recorder.ts';
import { opsStore } from '../../src/store/ops-store.ts';
import { sessionStore } from '../../src/store/session-store.ts';
import { enrichForSync } from '../../src/sync/enrich-for-sync.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';
import { type StravaHarness, startStravaHarness } from '../support/strava-harness.ts';
import { startWeatherSims, type WeatherSims } from '../weather/weather-sims.ts';
import { eventTypes, runToEnd, startSession, syncDeps } from './sync-harness.ts';

describe('a sync that enriches as it goes, against all the simulators', () => {
  let t: TestDatabase;
  let sims: WeatherSims;
  let h: StravaHarness;

  beforeAll(async () => {
    t = await createTestDatabase('postgres');
    sims = await startWeatherSims();
    h = await startStravaHarness(t.db, { activityCount: 150, clock: sims.clock });
  });
  afterAll(async () => {
    await h.close();
    await sims.close();
    await t.dispose();
  });

  /** The worker's enrichment step with Open-Meteo, against the simulators. */
  const openMeteoEnrich = () =>
    enrichForSync(
      t.db,
      createEnrichmentServices(sims.settings({ provider: 'open-meteo' }), {
        ledger: createApiLedger(t.db, sims.clock),
        clock: sims.clock,
        userAgent: 'stridesync-test/1.0',
        sleep: (ms) => sims.sleep(ms),
      }),
      sims.clock,
    );

  it('ends with every run stored, weather and place for the ones with GPS, none for the rest', async () => {
    const userId = await insertUser(t.db);
    await h.connect(userId);
    const deps = syncDeps(t.db, h, { enrich: openMeteoEnrich() });
    const session = await startSession(t.db, userId);
    await runToEnd(deps, session.id);

    const { rows } = await t.db.query<{ weather_status: string; place_status: string; n: number }>(
      `select weather_status, place_status, count(*)::int as n from activities where user_id = $1
       group by 1, 2 order by 1, 2`,
      [userId],
    );
    const count = (weather: string, place: string) =>
      rows.find((r) => r.weather_status === weather && r.place_status === place)?.n ?? 0;
    expect(count('enriched', 'enriched')).toBeGreaterThan(50);
    expect(count('not_applicable', 'not_applicable')).toBeGreaterThan(0);
    // Runs of the last few days wait for the archive; nothing else is left behind.
    const waiting = rows
      .filter((r) => r.weather_status === 'pending')
      .reduce((sum, r) => sum + r.n, 0);
    const { rows: recent } = await t.db.query<{ n: number }>(
      `select count(*)::int as n from activities where user_id = $1 and weather_status = 'pending'
         and start_date > $2`,
      [userId, new Date(sims.clock.now() - 6 * 86_400_000).toISOString()],
    );
    expect(waiting).toBe(recent[0]?.n);

    const { rows: sample } = await t.db.query<Record<string, unknown>>(
      `select temperature_c, humidity_pct, wind_speed_mps, weather_provider, weather_observed_at, city, country_code
       from activities where user_id = $1 and weather_status = 'enriched' limit 1`,
      [userId],
    );
    expect(sample[0]).toMatchObject({
      temperature_c: expect.any(Number),
      weather_provider: 'open-meteo',
      city: expect.any(String),
      country_code: expect.stringMatching(/^[A-Z]{2}$/),
    });
    const done = await sessionStore.get(t.db, session.id);
    expect(done).toMatchObject({ status: 'completed' });
    expect(done?.activities_enriched).toBe(
      count('enriched', 'enriched') + count('enriched', 'unavailable'),
    );
    expect(await eventTypes(t.db, session.id)).toContain('phase:enriching');
  });

  it('a cancel asked while the last page is read stops the sync before its first enrichment batch', async () => {
    // The simulated athlete connects to one user at a time, and a run is stored for one user:
    // this test's, from here on.
    await t.db.exec('delete from strava_connections; delete from activities');
    const userId = await insertUser(t.db);
    await h.connect(userId);
    const session = await startSession(t.db, userId);
    const client = {
      ...h.client,
      async listActivities(token: string, params: Parameters<typeof h.client.listActivities>[1]) {
        await sessionStore.requestCancel(t.db, session.id, sims.clock.now());
        return h.client.listActivities(token, params);
      },
    };
    const deps = syncDeps(t.db, h, {
      strava: { client, tokens: h.tokens, connections: h.store },
      enrich: openMeteoEnrich(),
    });
    expect((await runToEnd(deps, session.id)).outcomes).toEqual([{ status: 'cancelled' }]);
    expect(await eventTypes(t.db, session.id)).toEqual([
      'sync:started',
      'phase:authenticating',
      'phase:fetching',
      'slice:stored',
      'phase:enriching',
      'sync:cancelled',
    ]);
    const { rows } = await t.db.query<{ stored: number; enriched: number }>(
      `select count(*)::int as stored, count(*) filter (where weather_status = 'enriched')::int as enriched
       from activities where user_id = $1`,
      [userId],
    );
    expect(rows[0]?.stored).toBeGreaterThan(50);
    expect(rows[0]?.enriched).toBe(0);
  });
});

describe('a sync whose weather provider is misconfigured', () => {
  let t: TestDatabase;
  let sims: WeatherSims;
  let h: StravaHarness;

  beforeAll(async () => {
    t = await createTestDatabase('postgres');
    sims = await startWeatherSims();
    h = await startStravaHarness(t.db, { activityCount: 60, clock: sims.clock });
  });
  afterAll(async () => {
    await h.close();
    await sims.close();
    await t.dispose();
  });

  it('completes with a warning, and says so in the figures, when the weather provider is misconfigured', async () => {
    const userId = await insertUser(t.db);
    await h.connect(userId);
    const counter = async (name: string, labels: string) =>
      (await opsStore.counters(t.db)).find((r) => r.name === name && r.labels === labels)?.value ??
      0;
    const services = createEnrichmentServices(
      sims.settings({
        provider: 'open-meteo',
        openMeteoArchiveUrl: sims.urls.openMeteo.replace('/v1/archive', '/v1/wrong'),
      }),
      {
        ledger: createApiLedger(t.db, sims.clock),
        clock: sims.clock,
        userAgent: 'stridesync-test/1.0',
        sleep: (ms) => sims.sleep(ms),
        http: { observer: createOpsRecorder(t.db, sims.clock, createLogger('silent')) },
      },
    );
    const deps = syncDeps(t.db, h, { enrich: enrichForSync(t.db, services, sims.clock) });
    const session = await startSession(t.db, userId);
    await runToEnd(deps, session.id);

    const done = await sessionStore.get(t.db, session.id);
    expect(done).toMatchObject({
      status: 'completed',
      activities_enriched: 0,
      warning_code: 'open_meteo_not_found',
      warning_message: expect.stringMatching(/^Runs are stored without weather or place: /),
    });
    const { rows } = await t.db.query<{ payload: { warning: unknown } }>(
      `select payload from sync_events where session_id = $1 and type = 'sync:completed'`,
      [session.id],
    );
    expect(rows[0]?.payload.warning).toEqual({
      code: 'open_meteo_not_found',
      message: done?.warning_message,
    });
    expect(
      await counter(
        'stridesync_sync_sessions_finished_total',
        'kind="backfill",outcome="completed_with_warning"',
      ),
    ).toBe(1);
    expect(await counter('stridesync_runs_stored_total', 'change="new"')).toBe(
      done?.activities_stored,
    );
    expect(done?.activities_stored).toBeGreaterThan(0);
    expect(
      await counter(
        'stridesync_provider_config_errors_total',
        'code="open_meteo_not_found",provider="open-meteo"',
      ),
    ).toBe(1);
    expect(
      await counter('stridesync_external_requests_total', 'api="open-meteo",status="404"'),
    ).toBe(1);
  });
});
