import type { AddAthleteOptions } from '../sim/strava/index.ts';
import { DEFAULT_OWM_KEY } from '../sim/weather/openweathermap.ts';
import { createApiLedger } from '../src/budget/api-ledger.ts';
import { loadConfig } from '../src/config/config.ts';
import { enrichPending } from '../src/enrichment/enrich-pending.ts';
import {
  createEnrichmentServices,
  stridesyncUserAgent,
} from '../src/enrichment/enrichment-services.ts';
import {
  cellOf,
  PLACE_CELLS_PER_DEGREE,
  weatherSlotKey,
  weatherSlotOf,
} from '../src/enrichment/grid-cell.ts';
import { createGeoNamesPlaces } from '../src/enrichment/providers/geonames/geonames-places.ts';
import { runMidpoint } from '../src/enrichment/weather/run-midpoint.ts';
import type { WeatherObservation } from '../src/enrichment/weather/weather-observation.ts';
import type { WeatherSettings } from '../src/enrichment/weather-settings.ts';
import type { Database } from '../src/store/database.ts';
import { enrichForSync } from '../src/sync/enrich-for-sync.ts';
import { DEMO_ATHLETE } from '../src/wiring/node/demo-user.ts';
import { openBenchDatabase } from './bench-database.ts';
import { type BenchWorld, startBenchWorld } from './bench-world.ts';
import { type NaiveFigures, naiveSync } from './naive-sync.ts';
import { duration, print, table } from './report-format.ts';
import { LOCAL_POSTGRES_URL, withScratchPostgres } from './scratch-postgres.ts';
import {
  callsBetween,
  openMeteoUnitsToday,
  type SimulatorCalls,
  simulatorCalls,
} from './simulator-calls.ts';
import { type BenchRunner, insertBenchUser, syncHistory } from './sync-history.ts';
import { createWarpClock } from './warp-clock.ts';

/**
 * `npm run bench -- sync-floor [--full]`: from pressing Sync until every run with GPS has
 * weather and place, per athlete size, at a realistic latency (every simulator answers after
 * `latencyMs`, wall time) and under the simulators' published limits (Strava 100 reads a
 * quarter hour, OpenWeatherMap 60 a minute and 1,000 One Call a day, Open-Meteo 600 weighted a
 * minute, Nominatim one a second), on the wall clock fast-forwarded through every wait
 * (warp-clock.ts). Three ways, each on a fresh database (PGlite in memory, or a scratch database
 * on Postgres: `store`) and fresh simulator counters:
 * - **no key**: the default install (Open-Meteo, places offline), the real sync (`runSync`
 *   with the worker's enrichment step) and then the weather backfill until nothing is due;
 * - **OpenWeatherMap key**: the same with One Call (places still offline), set against its
 *   floor, the distinct (0.1° cell, UTC hour) slots at 60 calls a minute;
 * - **naive** (naive-sync.ts), same athlete, same limits, same latency; and, where its lookups
 *   would take too long in wall time, the naive sync storing only (no lookups).
 * Checked on the way: 429s from every simulator, and every stored value against what a plain
 * call for the run gives (weather: the naive sync's one call per run; place: the gazetteer).
 */
export interface FloorSize {
  label: string;
  athlete: AddAthleteOptions;
  /** Run the naive sync on this size too (it takes ≥ 1 s a run on the bench's clock, ~0.3 s wall). */
  naive: boolean;
  /** Run the naive sync without its lookups too: its time to every run stored. */
  naiveStoring?: boolean;
  /**
   * OPENWEATHER_ONECALL_DAILY_LIMIT for the key's run (and the simulator's cap): the free 1,000
   * unless a history needs more in one day to be measured against its per-minute floor.
   */
  oneCallPerDay?: number;
  /** Which setups to measure; both by default (a large history may want the no-key one alone). */
  setups?: readonly SetupName[];
}

type SetupName = 'no key' | 'OpenWeatherMap key';
const SETUPS: readonly SetupName[] = ['no key', 'OpenWeatherMap key'];

/** CI's size: the demo athlete's first 150 activities, to prove the bench runs, in about a minute. */
export const QUICK_SIZES: readonly FloorSize[] = [
  { label: '150 activities', athlete: { ...DEMO_ATHLETE, activityCount: 150 }, naive: true },
];
export const FULL_SIZES: readonly FloorSize[] = [
  { label: 'demo', athlete: DEMO_ATHLETE, naive: true },
  {
    label: '5,000 activities',
    athlete: { seed: 'floor-5000', activityCount: 5000, years: 12 },
    naive: false,
    oneCallPerDay: 10_000,
  },
];

export const DEFAULT_LATENCY_MS = { strava: 150, weather: 150 };

/** Where the runs are stored: PGlite in memory, or a scratch database on Postgres. */
export type BenchStore = 'pglite' | 'postgres';

export interface FloorOptions {
  latencyMs?: typeof DEFAULT_LATENCY_MS;
  store?: BenchStore;
}

export interface SetupFigures {
  setup: SetupName;
  activities: number;
  runs: number;
  /** Runs with GPS: looked up for weather and place. */
  runsWithGps: number;
  /** Of those, too recent for the provider's archive at the end: left for later, not counted as done. */
  waitingForArchive: number;
  weatherEnriched: number;
  placesEnriched: number;
  stravaCalls: number;
  /** ⌈activities / 200⌉: the list pages a full history needs at Strava's largest page. */
  stravaFloor: number;
  calls: SimulatorCalls;
  stravaRefused: number;
  /** Open-Meteo's weighted calls, as its simulator counted them: the calendar minutes of 600 they need. */
  openMeteoUnits: number;
  /** Distinct (0.1° cell, UTC hour) of the runs with GPS: One Call's floor is one call each. */
  weatherSlots: number;
  /** From pressing Sync until the last run is stored (the runner moves on to enriching), on the bench's clock. */
  storedMs: number | undefined;
  /** From pressing Sync until the last run is enriched, on the bench's clock. */
  durationMs: number;
  /** Until the first run is in the database (polled every 50 ms wall, as a list would see it). */
  firstRunMs: number | undefined;
  wallMs: number;
  /** Stored weather unlike the naive sync's for the same run (no-key only; undefined without a naive run). */
  weatherMismatches: number | undefined;
  weatherCompared: number;
  /** Stored places unlike the gazetteer's answer for the run's cell. */
  placeMismatches: number;
}

export interface SizeFigures {
  size: string;
  athlete: AddAthleteOptions;
  latencyMs: typeof DEFAULT_LATENCY_MS;
  setups: SetupFigures[];
  naive: NaiveSummary | undefined;
  /** The naive sync storing only, no lookups (`naiveStoring`). */
  naiveStoring: NaiveSummary | undefined;
}

type NaiveSummary = Omit<NaiveFigures, 'weather'> & { msPerRun: number };

export interface SyncFloorResult {
  /** What the runs were stored in: `PGlite (memory)`, `Postgres 15.20 (127.0.0.1:5432)`. */
  store: string;
  sizes: SizeFigures[];
}

const START_AT = '2026-11-28T12:00:00Z';
const OWM_FREE_ONE_CALLS_PER_DAY = 1000;
const RUNNER: Omit<BenchRunner, 'athleteId'> = {
  label: 'floor',
  userId: 'd3e0a000-0000-4000-8000-0000000000f1',
};

export async function benchSyncFloor(
  sizes: readonly FloorSize[],
  { latencyMs = DEFAULT_LATENCY_MS, store = 'pglite' }: FloorOptions = {},
): Promise<SyncFloorResult> {
  const label = await withBenchStore(store, async (_db, label) => label);
  const result: SyncFloorResult = { store: label, sizes: [] };
  for (const size of sizes) result.sizes.push(await benchSize(size, latencyMs, store));
  return result;
}

/** A fresh migrated database of the store asked for, closed (and a scratch one dropped) after `fn`. */
async function withBenchStore<T>(
  store: BenchStore,
  fn: (db: Database, label: string) => Promise<T>,
): Promise<T> {
  if (store === 'postgres')
    return withScratchPostgres(process.env.BENCH_POSTGRES_URL ?? LOCAL_POSTGRES_URL, (scratch) =>
      fn(scratch.db, scratch.label),
    );
  const { db, close } = await openBenchDatabase();
  try {
    return await fn(db, 'PGlite (memory)');
  } finally {
    await close();
  }
}

async function benchSize(
  size: FloorSize,
  latencyMs: typeof DEFAULT_LATENCY_MS,
  store: BenchStore,
): Promise<SizeFigures> {
  const world = await startBenchWorld(START_AT, [size.athlete], createWarpClock(START_AT));
  try {
    const athleteId = [...world.sims.strava.athletes.keys()][0] as number;
    const runner = { ...RUNNER, athleteId };
    world.sims.strava.faults.set({ latencyMs: latencyMs.strava });
    const naive = size.naive
      ? await measureNaive(world, athleteId, latencyMs, store, true)
      : undefined;
    const naiveStoring = size.naiveStoring
      ? await measureNaive(world, athleteId, latencyMs, store, false)
      : undefined;
    const setups: SetupFigures[] = [];
    for (const setup of size.setups ?? SETUPS) {
      // Only the no-key setup asks what the naive sync asked (Open-Meteo), so only it is compared.
      const naiveWeather = setup === 'no key' ? naive?.weather : undefined;
      setups.push(await measureSetup(world, runner, size, setup, latencyMs, store, naiveWeather));
    }
    return {
      size: size.label,
      athlete: size.athlete,
      latencyMs,
      setups,
      naive: naiveSummary(naive),
      naiveStoring: naiveSummary(naiveStoring),
    };
  } finally {
    await world.close();
  }
}

/** The naive sync's figures without its stored values (the result stays JSON-able and small). */
function naiveSummary(naive: NaiveFigures | undefined): NaiveSummary | undefined {
  if (!naive) return undefined;
  const { weather: _stored, ...figures } = naive;
  return { ...figures, msPerRun: naive.durationMs / Math.max(1, naive.runs) };
}

function resetProviders(world: BenchWorld, latencyMs: number): void {
  for (const sim of [world.sims.openWeatherMap, world.sims.openMeteo, world.sims.nominatim]) {
    sim.reset();
    sim.faults.set({ latencyMs });
  }
}

async function measureNaive(
  world: BenchWorld,
  athleteId: number,
  latencyMs: typeof DEFAULT_LATENCY_MS,
  store: BenchStore,
  lookups: boolean,
): Promise<NaiveFigures> {
  resetProviders(world, latencyMs.weather);
  const naive = await withBenchStore(store, (db) =>
    naiveSync(world, athleteId, loadConfig({}).strava.sportTypes, { db, lookups }),
  );
  naive.refused += simulatorCalls(world.sims).refused;
  return naive;
}

async function measureSetup(
  world: BenchWorld,
  runner: BenchRunner,
  size: FloorSize,
  setup: SetupName,
  latencyMs: typeof DEFAULT_LATENCY_MS,
  store: BenchStore,
  naiveWeather: Map<number, WeatherObservation> | undefined,
): Promise<SetupFigures> {
  resetProviders(world, latencyMs.weather);
  const withKey = setup === 'OpenWeatherMap key';
  const oneCallPerDay = size.oneCallPerDay ?? OWM_FREE_ONE_CALLS_PER_DAY;
  world.sims.openWeatherMap.setLimits({ perDay: oneCallPerDay });
  return withBenchStore(store, async (db) => {
    await insertBenchUser(db, runner.userId, 'floor@stridesync.local');
    const services = createEnrichmentServices(settingsOf(world, withKey), {
      ledger: createApiLedger(db, world.clock),
      clock: world.clock,
      userAgent: stridesyncUserAgent('http://localhost:8787'),
      sleep: world.sleep,
      http: { sleep: world.sleep },
      limits: { openWeatherMap: { oneCallPerDay } },
    });
    const stravaBefore = stravaRequests(world);
    const callsBefore = simulatorCalls(world.sims);
    const wallStarted = performance.now();
    const started = world.clock.now();
    const firstRun = watchFirstRun(db, runner.userId, () => world.clock.now() - started);
    // Pressing Sync: the backfill job with the worker's enrichment step …
    const enrich = enrichForSync(db, services, world.clock);
    let storedMs: number | undefined;
    await syncHistory(world, db, runner, {
      // … which the runner calls once every page is stored (its `enriching` phase) …
      enrich: (userId, limit, bounds) => {
        storedMs ??= world.clock.now() - started;
        return enrich(userId, limit, bounds);
      },
    });
    // … then the weather backfill job for what the sync left, each spent window waited out.
    const deps = { ...services, clock: world.clock };
    for (;;) {
      const { weather, places, deferral } = await enrichPending(db, deps, {
        userId: runner.userId,
      });
      if (deferral) world.clock.set(deferral.until);
      else if (weather.enriched + weather.unavailable + places.enriched + places.unavailable === 0)
        break;
    }
    const durationMs = world.clock.now() - started;
    const wallMs = performance.now() - wallStarted;
    const firstRunMs = await firstRun.stop();
    const stravaAfter = stravaRequests(world);
    const runs = await storedRuns(db, runner.userId);
    const activities = world.sims.strava.activitiesOf(runner.athleteId).length;
    const compared = compareWeather(runs, naiveWeather);
    return {
      setup,
      activities,
      runs: runs.length,
      runsWithGps: runs.filter((r) => r.weather_status !== 'not_applicable').length,
      waitingForArchive: runs.filter((r) => r.weather_status === 'pending').length,
      weatherEnriched: runs.filter((r) => r.weather_status === 'enriched').length,
      placesEnriched: runs.filter((r) => r.place_status === 'enriched').length,
      stravaCalls: stravaAfter.calls - stravaBefore.calls,
      stravaFloor: Math.ceil(activities / 200),
      calls: callsBetween(callsBefore, simulatorCalls(world.sims)),
      // The simulator's day started afresh at the reset above; the pass ends within it.
      openMeteoUnits: openMeteoUnitsToday(world.sims),
      stravaRefused: stravaAfter.refused - stravaBefore.refused,
      weatherSlots: new Set(
        runs
          .filter((r) => r.weather_status !== 'not_applicable' && r.start_lat !== null)
          .map((r) =>
            weatherSlotKey(
              weatherSlotOf(
                r.start_lat as number,
                r.start_lng as number,
                runMidpoint(r.start_date, r.elapsed_time_s).getTime(),
              ),
            ),
          ),
      ).size,
      storedMs,
      durationMs,
      firstRunMs,
      wallMs,
      weatherMismatches: compared?.mismatches,
      weatherCompared: compared?.compared ?? 0,
      placeMismatches: await placeMismatches(runs),
    };
  });
}

function settingsOf(world: BenchWorld, withKey: boolean): WeatherSettings {
  return {
    provider: withKey ? 'openweathermap' : 'open-meteo',
    placeProvider: 'auto',
    openWeatherApiKey: withKey ? DEFAULT_OWM_KEY : undefined,
    openWeatherApiUrl: world.urls.openWeatherApiUrl,
    openMeteoArchiveUrl: world.urls.openMeteoArchiveUrl,
    nominatimUrl: world.urls.nominatimUrl,
  };
}

/** Polls for the first stored run while the sync runs, as a dashboard's list would. */
function watchFirstRun(db: Database, userId: string, elapsed: () => number) {
  let seenAt: number | undefined;
  let polling = Promise.resolve();
  const timer = setInterval(() => {
    polling = polling.then(async () => {
      if (seenAt !== undefined) return;
      const at = elapsed();
      const { rows } = await db.query<{ n: number }>(
        'select count(*)::int as n from activities where user_id = $1',
        [userId],
      );
      if ((rows[0]?.n ?? 0) > 0) seenAt = at;
    });
  }, 50);
  return {
    async stop(): Promise<number | undefined> {
      clearInterval(timer);
      await polling;
      return seenAt;
    },
  };
}

interface StoredRun {
  id: string;
  start_date: Date;
  elapsed_time_s: number;
  start_lat: number | null;
  start_lng: number | null;
  weather_status: string;
  place_status: string;
  weather_observed_at: Date | null;
  temperature_c: number | null;
  feels_like_c: number | null;
  humidity_pct: number | null;
  pressure_hpa: number | null;
  wind_speed_mps: number | null;
  precipitation_mm: number | null;
  weather_code: number | null;
  city: string | null;
  state: string | null;
  country_code: string | null;
}

async function storedRuns(db: Database, userId: string): Promise<StoredRun[]> {
  const { rows } = await db.query<StoredRun>(
    `select id::text, start_date, elapsed_time_s, start_lat, start_lng, weather_status, place_status,
       weather_observed_at, temperature_c, feels_like_c, humidity_pct, pressure_hpa,
       wind_speed_mps, precipitation_mm, weather_code, city, state, country_code
     from activities where user_id = $1 and deleted_at is null`,
    [userId],
  );
  return rows;
}

/** Every weather value stored, against the naive sync's one call for the same run. */
function compareWeather(
  runs: readonly StoredRun[],
  naive: Map<number, WeatherObservation> | undefined,
): { compared: number; mismatches: number } | undefined {
  if (!naive) return undefined;
  let compared = 0;
  let mismatches = 0;
  for (const run of runs) {
    const expected = naive.get(Number(run.id));
    if (run.weather_status !== 'enriched' || !expected) continue;
    compared += 1;
    const same =
      run.weather_observed_at?.getTime() === new Date(expected.observedAt).getTime() &&
      run.temperature_c === expected.temperatureC &&
      run.feels_like_c === expected.feelsLikeC &&
      run.humidity_pct === expected.humidityPct &&
      run.pressure_hpa === expected.pressureHpa &&
      run.wind_speed_mps === expected.windSpeedMps &&
      run.precipitation_mm === expected.precipitationMm &&
      run.weather_code === expected.weatherCode;
    if (!same) mismatches += 1;
  }
  return { compared, mismatches };
}

/** Every stored place, against the gazetteer asked for the run's 0.01° cell on its own. */
async function placeMismatches(runs: readonly StoredRun[]): Promise<number> {
  const gazetteer = createGeoNamesPlaces();
  let mismatches = 0;
  for (const run of runs) {
    if (run.place_status !== 'enriched' || run.start_lat === null || run.start_lng === null)
      continue;
    const cell = cellOf(run.start_lat, run.start_lng, PLACE_CELLS_PER_DEGREE);
    const { outcomes } = await gazetteer.resolve([cell]);
    const outcome = [...outcomes.values()][0];
    const place = outcome?.kind === 'found' ? outcome.place : undefined;
    const same =
      (place?.city ?? null) === run.city &&
      (place?.state ?? null) === run.state &&
      (place?.countryCode ?? null) === run.country_code;
    if (!same) mismatches += 1;
  }
  return mismatches;
}

/** Strava API requests the simulator received (OAuth excluded), and how many it answered 429. */
function stravaRequests(world: BenchWorld): { calls: number; refused: number } {
  const api = Object.entries(world.sims.strava.inspect().byEndpoint).filter(([endpoint]) =>
    endpoint.includes('/api/v3/'),
  );
  return {
    calls: api.reduce(
      (sum, [, byStatus]) => sum + Object.values(byStatus).reduce((a, n) => a + n, 0),
      0,
    ),
    refused: api.reduce(
      (sum, [, byStatus]) => sum + ((byStatus as Record<string, number>)['429'] ?? 0),
      0,
    ),
  };
}

export function printSyncFloor(result: SyncFloorResult): void {
  print(
    '',
    '## From pressing Sync to every run with weather and place',
    '',
    `Store: ${result.store}`,
    '',
  );
  const naiveRate = result.sizes.find((s) => s.naive)?.naive?.msPerRun;
  const seconds = (ms: number | undefined) => (ms === undefined ? '—' : duration(ms));
  table(
    [
      'athlete',
      'setup',
      'runs with GPS',
      'time',
      'first run',
      'Strava calls (⌈N/200⌉)',
      'weather calls',
      'place calls',
      '429s',
      'floor',
      'vs naive',
      'values unchanged',
      'wall',
    ],
    result.sizes.flatMap((size) => {
      const rows = size.setups.map((s) => {
        const floorMs = (s.weatherSlots / 60) * 60_000;
        const naiveForThese =
          naiveRate === undefined ? undefined : naiveRate * (s.runsWithGps - s.waitingForArchive);
        return [
          size.size,
          s.setup,
          `${s.runsWithGps}${s.waitingForArchive ? ` (${s.waitingForArchive} wait for the archive)` : ''}`,
          duration(s.durationMs),
          seconds(s.firstRunMs),
          `${s.stravaCalls} (${s.stravaFloor})`,
          String(s.calls.oneCall + s.calls.openMeteo),
          String(s.calls.owmGeocoding + s.calls.nominatim),
          String(s.calls.refused + s.stravaRefused),
          s.setup === 'OpenWeatherMap key'
            ? `${s.weatherSlots} slots ÷ 60/min = ${duration(floorMs)}; ${pct(s.durationMs, floorMs)}`
            : `${Math.round(s.openMeteoUnits)} weighted units: ${Math.ceil(s.openMeteoUnits / 600)} min of 600`,
          naiveForThese === undefined
            ? ''
            : `${(naiveForThese / s.durationMs).toFixed(0)}×${size.naive ? '' : ' (extrapolated)'}`,
          `weather ${s.weatherMismatches ?? '—'}/${s.weatherCompared} off; places ${s.placeMismatches} off`,
          duration(s.wallMs),
        ];
      });
      if (size.naive)
        rows.push([
          size.size,
          'naive',
          String(size.naive.runs),
          duration(size.naive.durationMs),
          '',
          String(size.naive.stravaCalls),
          String(size.naive.weatherCalls),
          String(size.naive.placeCalls),
          String(size.naive.refused),
          '',
          '1×',
          '',
          duration(size.naive.wallMs),
        ]);
      return rows;
    }),
  );
  if (naiveRate !== undefined)
    print(
      '',
      `Naive: ${(naiveRate / 1000).toFixed(2)} s a run, measured; "vs naive" is that rate times the runs enriched, over the time measured (extrapolated where the athlete has no naive row).`,
    );
}

function pct(measured: number, floor: number): string {
  return `${measured >= floor ? '+' : ''}${Math.round(((measured - floor) * 100) / floor)} %`;
}
