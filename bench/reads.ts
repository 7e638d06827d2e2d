import { systemClock } from '../src/core/clock.ts';
import { createApp } from '../src/http/app.ts';
import { createJwtVerifier, signAccessToken } from '../src/http/jwt.ts';
import { startServer } from '../src/http/node-server.ts';
import { PACE_POINTS_LIMIT } from '../src/http/routes/activity-stats.ts';
import { createLogger } from '../src/observability/logger.ts';
import {
  listActivities,
  monthlyActivityTotals,
  recentRunsWithTemperature,
} from '../src/store/activity-store.ts';
import type { Database, Queryable } from '../src/store/database.ts';
import type { BenchSize } from './bench-results.ts';
import { print, table } from './report-format.ts';
import { LOCAL_POSTGRES_URL, withScratchPostgres } from './scratch-postgres.ts';
import { percentile, timed } from './stats.ts';

/**
 * B6, reads: the dashboard's two reads for one runner with a long history, in a table holding
 * many runners, on Postgres. Through the real app over HTTP on loopback: `GET /api/activities`
 * page after page (the default page size, following `nextCursor` to the end), and
 * `GET /api/activities/stats`. The rows are made by the database itself (generate_series), not
 * through the API, and interleaved as years of many runners' syncs leave them: one runner's runs
 * are spread over the whole table, the hard case for reading them.
 */
const JWT_SECRET = 'a-bench-jwt-secret-of-at-least-32-characters';
const RUNNER_INDEX = 0;
const STATS_REQUESTS = 30;
/** The table's runs span ten years. */
const TEN_YEARS_S = 10 * 365 * 24 * 3600;

export interface ReadsFigures {
  database: string;
  tableRows: number;
  runners: number;
  runnerRuns: number;
  loadMs: number;
  /**
   * Over HTTP; `cpu`, the CPU time this process (server and client both) spent on each request;
   * `queries`, the same reads made straight through the store.
   */
  pages: { requests: number; pageSize: number; queries: Spread; cpu: Spread } & Spread;
  stats: { requests: number; queries: Spread; cpu: Spread } & Spread;
  /** EXPLAIN (ANALYZE, BUFFERS) of each query the two routes make, for this runner. */
  plans: Record<string, string>;
}

export async function benchReads(size: BenchSize): Promise<ReadsFigures> {
  const shape = size.full
    ? { tableRows: 2_000_000, runners: 400, runnerRuns: 10_000 }
    : { tableRows: 100_000, runners: 40, runnerRuns: 2_000 };
  return withScratchPostgres(process.env.BENCH_POSTGRES_URL ?? LOCAL_POSTGRES_URL, async (s) => {
    const loadMs = await timed(() => loadRows(s.db, shape));
    const userId = userIdOf(RUNNER_INDEX);
    const server = await startServer(
      createApp({
        db: s.db,
        clock: systemClock,
        logger: createLogger('silent'),
        auth: createJwtVerifier({ secret: JWT_SECRET }),
        userRequestLimit: { perSecond: 10_000, burst: 10_000 },
      }),
      { port: 0 },
    );
    try {
      const headers = {
        authorization: `Bearer ${await signAccessToken(JWT_SECRET, { sub: userId })}`,
      };
      const get = async (path: string) => {
        const started = performance.now();
        const cpu = process.cpuUsage();
        const response = await fetch(`${server.url}${path}`, { headers });
        if (response.status !== 200) throw new Error(`${path}: ${response.status}`);
        const body = await response.json();
        const used = process.cpuUsage(cpu);
        const cpuMs = (used.user + used.system) / 1000;
        return { ms: performance.now() - started, cpuMs, body };
      };
      const pageTimes: number[] = [];
      const pageCpu: number[] = [];
      const cursors: (string | null)[] = [];
      let listed = 0;
      let pageSize = 0;
      for (let cursor: string | null = ''; cursor !== null; ) {
        const { ms, cpuMs, body } = await get(
          `/api/activities${cursor ? `?cursor=${cursor}` : ''}`,
        );
        const page = body as { items: unknown[]; nextCursor: string | null };
        pageTimes.push(ms);
        pageCpu.push(cpuMs);
        cursors.push(cursor || null);
        listed += page.items.length;
        pageSize = Math.max(pageSize, page.items.length);
        cursor = page.nextCursor;
      }
      if (listed !== shape.runnerRuns)
        throw new Error(`listed ${listed} of ${shape.runnerRuns} runs`);
      const statsTimes: number[] = [];
      const statsCpu: number[] = [];
      for (let i = 0; i < STATS_REQUESTS; i++) {
        const { ms, cpuMs } = await get('/api/activities/stats');
        statsTimes.push(ms);
        statsCpu.push(cpuMs);
      }
      // The same reads straight from the store: what of the requests' time is the database's.
      const pageQueryTimes: number[] = [];
      for (const cursor of cursors) {
        // The API's cursor: [sort, the last row's sort key, its id].
        const after = cursor
          ? (JSON.parse(Buffer.from(cursor, 'base64url').toString()) as [string, string, string])
          : undefined;
        const filter = {
          limit: pageSize + 1,
          sort: 'newest' as const,
          ...(after ? { after: [after[1], after[2]] as const } : {}),
        };
        pageQueryTimes.push(await timed(() => listActivities(s.db, userId, filter)));
      }
      const statsQueryTimes: number[] = [];
      for (let i = 0; i < STATS_REQUESTS; i++) {
        const both = () =>
          Promise.all([
            monthlyActivityTotals(s.db, userId),
            recentRunsWithTemperature(s.db, userId, PACE_POINTS_LIMIT),
          ]);
        statsQueryTimes.push(await timed(both));
      }
      return {
        database: s.label,
        ...shape,
        loadMs,
        pages: {
          requests: pageTimes.length,
          pageSize,
          ...spread(pageTimes),
          queries: spread(pageQueryTimes),
          cpu: spread(pageCpu),
        },
        stats: {
          requests: STATS_REQUESTS,
          ...spread(statsTimes),
          queries: spread(statsQueryTimes),
          cpu: spread(statsCpu),
        },
        plans: await explainReads(s.db, userId, shape.runnerRuns),
      };
    } finally {
      await server.close();
    }
  });
}

interface Spread {
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

function spread(times: number[]): Spread {
  return {
    p50Ms: percentile(times, 0.5),
    p95Ms: percentile(times, 0.95),
    maxMs: Math.max(...times),
  };
}

const userIdOf = (index: number) => `b6b6b6b6-0000-4000-8000-${String(index).padStart(12, '0')}`;

/**
 * `tableRows` runs of `runners` runners; runner RUNNER_INDEX has `runnerRuns` of them, the
 * others share the rest. Row g starts g steps of ten years / `tableRows` after a base date (so every runner's runs are
 * spread over the table in start order) and looks like a synced, enriched run: a polyline and
 * Strava's summary of about the usual size, weather and place filled in.
 */
async function loadRows(
  db: Database,
  shape: { tableRows: number; runners: number; runnerRuns: number },
): Promise<void> {
  await db.query(
    `insert into auth.users (id, email)
     select ('b6b6b6b6-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, 'runner' || i || '@bench.stridesync.local'
     from generate_series(0, $1 - 1) i`,
    [shape.runners],
  );
  const every = Math.floor(shape.tableRows / shape.runnerRuns);
  const CHUNK = 250_000;
  for (let first = 1; first <= shape.tableRows; first += CHUNK) {
    const last = Math.min(shape.tableRows, first + CHUNK - 1);
    await db.query(
      `insert into activities (id, user_id, athlete_id, name, sport_type, start_date, start_date_local,
         timezone, utc_offset_s, distance_m, moving_time_s, elapsed_time_s, total_elevation_gain_m,
         average_speed_mps, max_speed_mps, average_heartrate_bpm, start_lat, start_lng, end_lat, end_lng,
         summary_polyline, city, state, country, country_code, place_provider, place_status,
         weather_status, weather_provider, weather_observed_at, temperature_c, feels_like_c,
         humidity_pct, wind_speed_mps, wind_deg, weather_description, weather_icon, quality_flags,
         strava_summary)
       select 10000000000 + g, ('b6b6b6b6-0000-4000-8000-' || lpad(r::text, 12, '0'))::uuid, 1000 + r,
         'Morning Run', 'Run', start, start + interval '10 hours', 'Australia/Sydney', 36000,
         5000 + (g % 10000), 1500 + (g % 3000), 1600 + (g % 3000), 40 + (g % 200),
         3.0 + (g % 100) / 100.0, 4.5, 150 + (g % 30), -33.8 + (g % 100) / 1000.0, 151.2, -33.8, 151.21,
         repeat(md5(g::text), 8), 'Sydney', 'New South Wales', 'Australia', 'AU', 'geonames', 'enriched',
         'enriched', 'openweathermap', start, 10 + (g % 25), 9 + (g % 25), 60, 3.5, 180,
         'clear sky', '01d', case when g % 997 = 0 then '{impossible_pace}'::text[] else '{}' end,
         jsonb_build_object('id', 10000000000 + g, 'name', 'Morning Run', 'type', 'Run',
           'sport_type', 'Run', 'distance', 5000 + (g % 10000), 'moving_time', 1500 + (g % 3000),
           'start_date', start, 'map', jsonb_build_object('id', 'a' || g, 'summary_polyline', repeat(md5(g::text), 8)),
           'athlete', jsonb_build_object('id', 1000 + r), 'kudos_count', g % 20, 'gear_id', 'g123456')
       from generate_series($1::int, $2::int) g,
         lateral (select case when g % $3 = 0 then $4::int
                              else 1 + (g % ($5::int - 1)) end as r,
                         timestamptz '2016-11-28T06:00:00Z' + g * $6::float8 * interval '1 second' as start) x`,
      [first, last, every, RUNNER_INDEX, shape.runners, TEN_YEARS_S / shape.tableRows],
    );
  }
  await db.query('vacuum analyze activities');
}

/**
 * Each query the two routes make, run under EXPLAIN (ANALYZE, BUFFERS) by the store's own
 * functions: a Queryable that explains instead of answering.
 */
async function explainReads(
  db: Database,
  userId: string,
  runnerRuns: number,
): Promise<Record<string, string>> {
  const plans: Record<string, string> = {};
  const explaining = (label: string): Queryable => ({
    async query(text, params) {
      const { rows } = await db.query<{ 'QUERY PLAN': string }>(
        `explain (analyze, buffers) ${text}`,
        params,
      );
      plans[label] = rows.map((row) => row['QUERY PLAN']).join('\n');
      return { rows: [], rowCount: 0 };
    },
    exec: () => Promise.reject(new Error('the read routes run no scripts')),
  });
  const { rows } = await db.query<{ start_date: Date; id: string }>(
    `select start_date, id::text as id from activities where user_id = $1 and deleted_at is null
     order by start_date desc, id desc offset $2 limit 1`,
    [userId, Math.floor(runnerRuns / 2)],
  );
  const middle = rows[0];
  if (!middle) throw new Error('the runner has no runs');
  await listActivities(explaining('GET /api/activities: first page'), userId, {
    limit: 26,
    sort: 'newest',
  });
  await listActivities(explaining('GET /api/activities: a page in the middle (cursor)'), userId, {
    limit: 26,
    sort: 'newest',
    after: [middle.start_date.toISOString(), middle.id],
  });
  await monthlyActivityTotals(explaining('GET /api/activities/stats: monthly totals'), userId);
  await recentRunsWithTemperature(
    explaining('GET /api/activities/stats: pace against temperature'),
    userId,
    PACE_POINTS_LIMIT,
  );
  return plans;
}

export function printReads(f: ReadsFigures): void {
  print(
    '',
    `## B6 reads: one runner's ${f.runnerRuns} runs in a table of ${f.tableRows} (${f.runners} runners), ${f.database}`,
    '',
    `Rows made in ${(f.loadMs / 1000).toFixed(1)} s (generate_series, then VACUUM ANALYZE).`,
    '',
  );
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  const row = (label: string, requests: number, t: Spread) => [
    label,
    String(requests),
    ms(t.p50Ms),
    ms(t.p95Ms),
    ms(t.maxMs),
  ];
  table(
    ['request', 'requests', 'p50', 'p95', 'max'],
    [
      row(
        `GET /api/activities (${f.pages.pageSize} a page, to the end)`,
        f.pages.requests,
        f.pages,
      ),
      row('  CPU time spent on it (server and client)', f.pages.requests, f.pages.cpu),
      row('  its query alone (listActivities)', f.pages.requests, f.pages.queries),
      row('GET /api/activities/stats', f.stats.requests, f.stats),
      row('  CPU time spent on it (server and client)', f.stats.requests, f.stats.cpu),
      row('  its two queries alone', f.stats.requests, f.stats.queries),
    ],
  );
  for (const [label, plan] of Object.entries(f.plans))
    print('', `### ${label}`, '', '```', plan, '```');
}
