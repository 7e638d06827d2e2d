import { STRAVA_DEFAULT_LIMITS } from '../src/budget/rate-windows.ts';
import {
  cellCentre,
  cellOf,
  DAY_MS,
  HOUR_MS,
  hourStartMs,
  utcDay,
  WEATHER_CELLS_PER_DEGREE,
} from '../src/enrichment/grid-cell.ts';
import { archiveCallWeight } from '../src/enrichment/providers/open-meteo/archive-chunks.ts';
import {
  ARCHIVE_HOURLY_VARIABLES,
  archiveSearchParams,
  parseArchiveBody,
} from '../src/enrichment/providers/open-meteo/open-meteo-archive.ts';
import { DEFAULT_ARCHIVE_DELAY_DAYS } from '../src/enrichment/providers/open-meteo/open-meteo-weather.ts';
import { runMidpoint } from '../src/enrichment/weather/run-midpoint.ts';
import type { WeatherObservation } from '../src/enrichment/weather/weather-observation.ts';
import type { Database } from '../src/store/database.ts';
import type { BenchWorld } from './bench-world.ts';

/**
 * The sync a first attempt writes, for comparison only (it lives here, never in src/): Strava's
 * activity list by page number at its default page size (30), then, run after run, one
 * Open-Meteo archive call for the run's midpoint hour (the same request and parsing as
 * stridesync's, so its values are comparable) and one Nominatim reverse call, and one INSERT per
 * row, every run stored as it comes. It keeps to the same published limits, each by counting its
 * own calls in the provider's calendar windows: Strava 100 reads a quarter hour and 1,000 a day,
 * Open-Meteo 600 weighted calls a minute, 5,000 an hour and 10,000 a day, Nominatim one request
 * a second. It calls Strava as an application of its own, a new one each run (the simulator
 * counts each application's limits apart), so no other sync measured beside it spends its windows.
 * Without `lookups` it only lists and stores: how long storing alone takes it, where looking
 * every run up would take too long in wall time to measure.
 */
export interface NaiveOptions {
  /** Where its table goes (one INSERT per row, each its own statement). */
  db: Database;
  /** Look every run with GPS up (weather and place) before storing it. */
  lookups: boolean;
}

export interface NaiveFigures {
  activities: number;
  /** Runs stored (every run, with GPS or not). */
  stored: number;
  /** Runs with GPS it looked up (weather and place); 0 without lookups. */
  runs: number;
  stravaCalls: number;
  weatherCalls: number;
  placeCalls: number;
  /** Answers other than 200, 429s included. */
  refused: number;
  /** From the first Strava call to the last row inserted (every run stored), on the bench's clock. */
  durationMs: number;
  /** From the first Strava call to the first row inserted (the first run visible). */
  firstRowMs: number | undefined;
  wallMs: number;
  /** Weather by activity id, as it stored it. */
  weather: Map<number, WeatherObservation>;
}

interface StravaListActivity {
  id: number;
  sport_type: string;
  start_date: string;
  elapsed_time: number;
  start_latlng: number[] | null;
  trainer?: boolean;
  manual?: boolean;
}

const STRAVA_PAGE_SIZE = 30;
const NOMINATIM_GAP_MS = 1000;

export async function naiveSync(
  world: BenchWorld,
  athleteId: number,
  sportTypes: readonly string[],
  { db, lookups }: NaiveOptions,
): Promise<NaiveFigures> {
  await db.query(
    `create table if not exists naive_runs (id bigint primary key, start_date timestamptz,
       lat float8, lng float8, weather jsonb, place jsonb)`,
  );
  await db.query('truncate naive_runs');
  // A new application each run: two naive runs in one world must not share Strava's windows
  // either, since each counts its own calls from zero.
  const app = world.sims.strava.registerApp({
    clientId: String(90_000 + world.sims.strava.apps.size),
    clientSecret: 'naive-sync-bench',
    name: 'naive sync (bench)',
  });
  const wallStarted = performance.now();
  const started = world.clock.now();
  const authorize = () =>
    world.sims.strava.issueTokens(athleteId, ['read', 'activity:read_all'], app.clientId);
  let token = authorize();
  const windows = createWindows(world);
  const stravaLines = [
    { name: 'strava:15min', windowMs: 15 * 60_000, limit: STRAVA_DEFAULT_LIMITS.read15min },
    { name: 'strava:daily', windowMs: DAY_MS, limit: STRAVA_DEFAULT_LIMITS.readDaily },
  ];
  const meteoLines = [
    { name: 'meteo:minute', windowMs: 60_000, limit: 600 },
    { name: 'meteo:hour', windowMs: HOUR_MS, limit: 5000 },
    { name: 'meteo:day', windowMs: DAY_MS, limit: 10_000 },
  ];
  const figures: NaiveFigures = {
    activities: 0,
    stored: 0,
    runs: 0,
    stravaCalls: 0,
    weatherCalls: 0,
    placeCalls: 0,
    refused: 0,
    durationMs: 0,
    firstRowMs: undefined,
    wallMs: 0,
    weather: new Map(),
  };
  const get = async (url: string, headers: Record<string, string> = {}) => {
    const response = await fetch(url, { headers });
    if (response.status !== 200) {
      figures.refused += 1;
      throw new Error(`naive sync: ${url} answered ${response.status}`);
    }
    return response.json() as Promise<unknown>;
  };
  let lastPlaceAt = Number.NEGATIVE_INFINITY;
  /** Weather and place for a run with GPS the archive holds already; undefined for any other. */
  const lookUp = async (activity: StravaListActivity) => {
    const [lat, lng] = activity.start_latlng ?? [];
    if (!lookups || lat === undefined || lng === undefined || activity.trainer || activity.manual)
      return undefined;
    const midpoint = runMidpoint(new Date(activity.start_date), activity.elapsed_time).getTime();
    // The archive trails by days: a run it cannot hold yet is left, as stridesync leaves it.
    if ((utcDay(midpoint) + DEFAULT_ARCHIVE_DELAY_DAYS) * DAY_MS > world.clock.now())
      return undefined;
    figures.runs += 1;
    const day = { startDay: utcDay(midpoint), endDay: utcDay(midpoint) };
    await windows.spend(meteoLines, archiveCallWeight(day, ARCHIVE_HOURLY_VARIABLES.length));
    figures.weatherCalls += 1;
    const centre = cellCentre(cellOf(lat, lng, WEATHER_CELLS_PER_DEGREE), WEATHER_CELLS_PER_DEGREE);
    const rows = parseArchiveBody(
      await get(
        `${world.urls.openMeteoArchiveUrl}?${archiveSearchParams(centre.lat, centre.lng, day)}`,
      ),
    );
    const row = typeof rows === 'string' ? undefined : rows.get(hourStartMs(midpoint));
    const weather = row && row !== 'missing' ? row : undefined;
    if (weather) figures.weather.set(activity.id, weather);

    const wait = lastPlaceAt + NOMINATIM_GAP_MS - world.clock.now();
    if (wait > 0) await world.sleep(wait);
    figures.placeCalls += 1;
    const place = await get(
      `${world.urls.nominatimUrl}/reverse?format=jsonv2&lat=${lat}&lon=${lng}&zoom=10`,
      { 'user-agent': 'stridesync-bench-naive/1 (bench/naive-sync.ts)' },
    );
    // From the answer, not the request: the gap holds however long the request took to arrive.
    lastPlaceAt = world.clock.now();
    return { weather, place };
  };
  for (let page = 1; ; page++) {
    await windows.spend(stravaLines, 1);
    // A token lasts 6 hours; a long history's wait for Strava's next day outlasts it.
    if (token.expires_at * 1000 <= world.clock.now()) token = authorize();
    figures.stravaCalls += 1;
    const activities = (await get(
      `${world.urls.stravaApiUrl}/athlete/activities?page=${page}&per_page=${STRAVA_PAGE_SIZE}`,
      { authorization: `Bearer ${token.access_token}` },
    )) as StravaListActivity[];
    if (activities.length === 0) break;
    for (const activity of activities) {
      figures.activities += 1;
      const isRun =
        sportTypes.includes(activity.sport_type) && !activity.sport_type.startsWith('Virtual');
      if (!isRun) continue;
      const [lat, lng] = activity.start_latlng ?? [];
      const found = await lookUp(activity);
      await db.query(
        'insert into naive_runs (id, start_date, lat, lng, weather, place) values ($1, $2, $3, $4, $5, $6)',
        [
          activity.id,
          activity.start_date,
          lat ?? null,
          lng ?? null,
          JSON.stringify(found?.weather ?? null),
          JSON.stringify(found?.place ?? null),
        ],
      );
      figures.stored += 1;
      figures.firstRowMs ??= world.clock.now() - started;
    }
  }
  figures.durationMs = world.clock.now() - started;
  figures.wallMs = performance.now() - wallStarted;
  return figures;
}

interface Line {
  name: string;
  windowMs: number;
  limit: number;
}

/** Calls counted per calendar window; `spend` waits (on the bench's clock) until all have room. */
function createWindows(world: BenchWorld) {
  const used = new Map<string, number>();
  const keyOf = (line: Line) => `${line.name}@${Math.floor(world.clock.now() / line.windowMs)}`;
  return {
    async spend(lines: readonly Line[], weight: number): Promise<void> {
      for (;;) {
        const full = lines.find((line) => (used.get(keyOf(line)) ?? 0) + weight > line.limit);
        if (!full) break;
        const now = world.clock.now();
        await world.sleep((Math.floor(now / full.windowMs) + 1) * full.windowMs - now);
      }
      for (const line of lines) used.set(keyOf(line), (used.get(keyOf(line)) ?? 0) + weight);
    },
  };
}
