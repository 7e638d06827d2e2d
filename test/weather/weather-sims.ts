import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createNominatimSimulator } from '../../sim/geocoding/nominatim.ts';
import { createOpenMeteoSimulator } from '../../sim/weather/open-meteo.ts';
import {
  createOpenWeatherMapSimulator,
  DEFAULT_OWM_KEY,
} from '../../sim/weather/openweathermap.ts';
import { type ApiLedger, createApiLedger } from '../../src/budget/api-ledger.ts';
import type { Config } from '../../src/config/config.ts';
import { createManualClock, type ManualClock } from '../../src/core/clock.ts';
import { type WeatherSlot, weatherSlotKey } from '../../src/enrichment/grid-cell.ts';
import type { SlotOutcome, WeatherBatch } from '../../src/enrichment/weather/weather-provider.ts';
import type { Database, Queryable } from '../../src/store/database.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';

/**
 * The three weather simulators over real HTTP on one loopback port (each under its own
 * prefix), all on one manual clock that the clients' sleeps move forward, so rate windows,
 * backoff and Nominatim's one-per-second pass in no wall time.
 */
export interface WeatherSims {
  clock: ManualClock;
  owm: ReturnType<typeof createOpenWeatherMapSimulator>['control'];
  openMeteo: ReturnType<typeof createOpenMeteoSimulator>['control'];
  nominatim: ReturnType<typeof createNominatimSimulator>['control'];
  urls: { owm: string; openMeteo: string; nominatim: string };
  /** Config['weather'] pointing at the simulators. */
  settings(overrides?: Partial<Config['weather']>): Config['weather'];
  /** Moves the manual clock instead of waiting. */
  sleep(ms: number): Promise<void>;
  /** Extra apps (a tampering proxy) served under `/<prefix>` on the same port. */
  mount(prefix: string, app: Hono): string;
  close(): Promise<void>;
}

export const NOW = '2026-03-10T12:00:00Z';

export async function startWeatherSims(): Promise<WeatherSims> {
  const clock = createManualClock(NOW);
  const owm = createOpenWeatherMapSimulator({ clock });
  const openMeteo = createOpenMeteoSimulator({ clock });
  const nominatim = createNominatimSimulator({ clock });
  const root = new Hono();
  const extra = new Map<string, Hono>();
  root.route('/owm', owm.app);
  root.route('/open-meteo', openMeteo.app);
  root.route('/nominatim', nominatim.app);
  root.all('/x/:prefix/*', async (c) => {
    const app = extra.get(c.req.param('prefix'));
    if (!app) return c.notFound();
    const url = new URL(c.req.url);
    url.pathname = url.pathname.replace(`/x/${c.req.param('prefix')}`, '');
    return app.fetch(new Request(url, c.req.raw));
  });
  const { server, base } = await new Promise<{ server: ReturnType<typeof serve>; base: string }>(
    (resolve) => {
      const s = serve({ fetch: root.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
        resolve({ server: s, base: `http://127.0.0.1:${(info as AddressInfo).port}` }),
      );
    },
  );
  const urls = {
    owm: `${base}/owm`,
    openMeteo: `${base}/open-meteo/v1/archive`,
    nominatim: `${base}/nominatim`,
  };
  return {
    clock,
    owm: owm.control,
    openMeteo: openMeteo.control,
    nominatim: nominatim.control,
    urls,
    settings: (overrides = {}) => {
      const settings = {
        provider: 'auto' as const,
        openWeatherApiKey: DEFAULT_OWM_KEY,
        openWeatherApiUrl: urls.owm,
        openMeteoArchiveUrl: urls.openMeteo,
        nominatimUrl: urls.nominatim,
        ...overrides,
      };
      // These simulators serve the online geocoders: OpenWeatherMap's (then Nominatim) with
      // the key, Nominatim without, unless a test chooses.
      const online = settings.openWeatherApiKey ? 'openweathermap' : 'nominatim';
      return { placeProvider: online, ...settings };
    },
    // Sleeps that overlap (calls in flight at once) overlap on the clock too: each moves it to
    // its own end, never by its length on top of another's.
    sleep: async (ms) => {
      const end = clock.now() + ms;
      if (end > clock.now()) clock.set(end);
    },
    mount(prefix, app) {
      extra.set(prefix, app);
      return `${base}/x/${prefix}`;
    },
    async close() {
      owm.control.close();
      openMeteo.control.close();
      nominatim.control.close();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        if ('closeAllConnections' in server) server.closeAllConnections();
      });
    },
  };
}

/** Requests a simulator answered at one endpoint, by status. */
export function answered(
  counts: { byEndpoint: Record<string, Record<string, number>> },
  endpoint: string,
): number {
  return Object.values(counts.byEndpoint[endpoint] ?? {}).reduce((sum, n) => sum + n, 0);
}

/** What every provider client needs, wired to the simulators' clock (no wall-clock waits). */
export function providerBasics(sims: WeatherSims, ledger: ApiLedger) {
  return {
    ledger,
    clock: sims.clock,
    waits: { clock: sims.clock, sleep: sims.sleep },
    http: { sleep: sims.sleep, random: () => 0, timeoutMs: 5000 },
  };
}

/** Every slot's outcome, keyed as the provider keys them. */
export function outcomeOf(batch: WeatherBatch, slot: WeatherSlot): SlotOutcome | undefined {
  return batch.outcomes.get(weatherSlotKey(slot));
}

/** Empties what one test leaves behind for the next: budgets, paces, caches and runs. */
export async function clearEnrichmentState(db: Queryable): Promise<void> {
  await db.query('delete from api_budget');
  await db.query('delete from api_pace');
  await db.query('delete from weather_cache');
  await db.query('delete from place_cache');
  await db.query('delete from activities');
}

/**
 * The lifecycle every provider client test shares: the simulators and a Postgres database (the
 * ledger and caches) for the file, and before each test the clock back at NOW, the simulators
 * the file uses reset, and the enrichment state cleared. Read `sims` and `db` inside tests.
 */
export function useProviderSims(reset: (sims: WeatherSims) => void) {
  let database: TestDatabase | undefined;
  let started: WeatherSims | undefined;
  const env = {
    get sims(): WeatherSims {
      if (!started) throw new Error('the weather simulators start in beforeAll');
      return started;
    },
    get db(): Database {
      if (!database) throw new Error('the test database is created in beforeAll');
      return database.db;
    },
    /** `providerBasics` with a ledger on the file's database. */
    basics: () => providerBasics(env.sims, createApiLedger(env.db, env.sims.clock)),
  };
  beforeAll(async () => {
    started = await startWeatherSims();
    database = await createTestDatabase('postgres'); // the ledger; both adapters run in enrich-pending
  });
  afterAll(async () => {
    await database?.dispose();
    await started?.close();
  });
  beforeEach(async () => {
    env.sims.clock.set(NOW);
    reset(env.sims);
    await clearEnrichmentState(env.db);
  });
  return env;
}
