import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { summaryActivityJson } from '../sim/strava/activity-json.ts';
import { generateAthlete } from '../sim/strava/athlete-generator.ts';
import { DEFAULT_SPORT_WEIGHTS } from '../sim/strava/sports.ts';
import { stringifyStrava } from '../sim/strava/strava-json.ts';
import { loadConfig } from '../src/config/config.ts';
import type { ActivityRow } from '../src/core/activity.ts';
import { upsertActivities } from '../src/store/activity-store.ts';
import type { Database } from '../src/store/database.ts';
import { migrate } from '../src/store/migrations.ts';
import { openPglite, pgliteDatabase } from '../src/store/pglite-database.ts';
import { classifyRecords } from '../src/sync/classify-records.ts';
import { PER_PAGE } from '../src/sync/run-sync.ts';
import type { BenchSize } from './bench-results.ts';
import { print, table } from './report-format.ts';
import { LOCAL_POSTGRES_URL, withScratchPostgres } from './scratch-postgres.ts';
import { timed } from './stats.ts';
import { insertBenchUser } from './sync-history.ts';

/**
 * B2, storage: how fast the real activity store (`upsertActivities`, one statement per page of
 * PER_PAGE, each page in its own transaction as a slice writes it) stores runs, against `COPY`
 * of the same rows into the same empty table: the fastest way Postgres has to load rows. Then
 * the same rows upserted again (an unchanged re-sync): what the table statistics say it wrote.
 */
const USER_ID = 'b2b2b2b2-0000-4000-8000-000000000002';
const ROUNDS = 3;

export interface StorageFigures {
  database: string;
  rows: number;
  batch: number;
  /** Medians of ROUNDS rounds, each into an empty table. */
  copyMs: number;
  upsertMs: number;
  /** Diagnostics: the same pages upserted in one transaction; serializing them (JSON) alone. */
  oneTransactionMs: number;
  serializeMs: number;
  /** COPY's time over the upsert's: the upsert's throughput as a share of COPY's. */
  upsertShareOfCopy: number;
  /** The statistics' inserts over the last round into the empty table: they count (= rows). */
  firstSyncInserted: number;
  /** The unchanged re-sync: pg_stat_user_tables deltas for `activities`, and what it returned. */
  resync: {
    ms: number;
    inserted: number;
    updated: number;
    deleted: number;
    hotUpdated: number;
    storeSaid: { inserted: number; updated: number; unchanged: number };
  };
}

interface Target {
  label: string;
  db: Database;
  copy(csv: string): Promise<void>;
}

export async function benchStorage(size: BenchSize): Promise<StorageFigures[]> {
  const rows = runRows(size.full ? 20_000 : 2_000);
  const figures: StorageFigures[] = [];
  const pglite = await openPglite('memory://');
  const pgliteDb = pgliteDatabase(pglite);
  try {
    await migrate(pgliteDb);
    figures.push(
      await measure(
        {
          label: 'PGlite (memory)',
          db: pgliteDb,
          copy: async (csv) => {
            await pglite.query(
              `copy activities (${COLUMNS.join(', ')}) from '/dev/blob' with (format csv)`,
              [],
              {
                blob: new Blob([csv]),
              },
            );
          },
        },
        rows,
      ),
    );
  } finally {
    await pgliteDb.close();
  }
  const url = process.env.BENCH_POSTGRES_URL ?? LOCAL_POSTGRES_URL;
  // One connection, so the statistics this session keeps are flushed where they were counted.
  figures.push(
    await withScratchPostgres(
      url,
      async ({ db, url: scratchUrl, label }) => {
        const client = new pg.Client({ connectionString: scratchUrl });
        await client.connect();
        try {
          return await measure(
            {
              label,
              db,
              copy: async (csv) => {
                const stream = client.query(
                  copyFrom(`copy activities (${COLUMNS.join(', ')}) from stdin with (format csv)`),
                );
                await pipeline(
                  (async function* () {
                    yield csv;
                  })(),
                  stream,
                );
              },
            },
            rows,
          );
        } finally {
          await client.end();
        }
      },
      { max: 1 },
    ),
  );
  return figures;
}

async function measure(target: Target, rows: readonly ActivityRow[]): Promise<StorageFigures> {
  const { db } = target;
  await insertBenchUser(db, USER_ID, 'storage@bench.stridesync.local');
  const csv = toCsv(rows);
  const copyTimes: number[] = [];
  const upsertTimes: number[] = [];
  const oneTransactionTimes: number[] = [];
  // The counters count here: the inserts of a round's sync into the empty table.
  let firstSyncInserted = 0;
  for (let round = 0; round < ROUNDS; round++) {
    await db.query('truncate activities');
    copyTimes.push(await timed(() => target.copy(csv)));
    await db.query('truncate activities');
    oneTransactionTimes.push(await timed(() => upsertPagesInOneTransaction(db, rows)));
    await db.query('truncate activities');
    const counted = await tableWrites(db);
    upsertTimes.push(await timed(() => upsertPages(db, rows)));
    firstSyncInserted = (await tableWrites(db)).ins - counted.ins;
  }
  const before = await tableWrites(db);
  let storeSaid = { inserted: 0, updated: 0, unchanged: 0 };
  const resyncMs = await timed(async () => {
    storeSaid = await upsertPages(db, rows);
  });
  const after = await tableWrites(db);
  const copyMs = median(copyTimes);
  const upsertMs = median(upsertTimes);
  return {
    database: target.label,
    rows: rows.length,
    batch: PER_PAGE,
    copyMs,
    upsertMs,
    upsertShareOfCopy: copyMs / upsertMs,
    oneTransactionMs: median(oneTransactionTimes),
    serializeMs: await timed(async () => {
      for (let i = 0; i < rows.length; i += PER_PAGE) JSON.stringify(rows.slice(i, i + PER_PAGE));
    }),
    firstSyncInserted,
    resync: {
      ms: resyncMs,
      inserted: after.ins - before.ins,
      updated: after.upd - before.upd,
      deleted: after.del - before.del,
      hotUpdated: after.hot - before.hot,
      storeSaid,
    },
  };
}

/** The rows in pages of PER_PAGE, each page one transaction, as the runner's slices store them. */
async function upsertPages(db: Database, rows: readonly ActivityRow[]) {
  const total = { inserted: 0, updated: 0, unchanged: 0 };
  for (let i = 0; i < rows.length; i += PER_PAGE) {
    const written = await db.withTransaction((tx) =>
      upsertActivities(tx, rows.slice(i, i + PER_PAGE)),
    );
    total.inserted += written.inserted;
    total.updated += written.updated;
    total.unchanged += written.unchanged;
  }
  return total;
}

/** The same statements, all in one transaction: what the slices' commits cost, by difference. */
function upsertPagesInOneTransaction(db: Database, rows: readonly ActivityRow[]) {
  return db.withTransaction(async (tx) => {
    for (let i = 0; i < rows.length; i += PER_PAGE)
      await upsertActivities(tx, rows.slice(i, i + PER_PAGE));
  });
}

/**
 * The table's write counters, after making this connection flush what it counted (statistics
 * are otherwise flushed at most once a second, or 10 s after a backend goes idle) and dropping
 * any snapshot of them.
 */
async function tableWrites(db: Database) {
  await db.query('select pg_stat_force_next_flush()');
  await db.query('select pg_stat_clear_snapshot()');
  const { rows } = await db.query<{ ins: string; upd: string; del: string; hot: string }>(
    `select n_tup_ins as ins, n_tup_upd as upd, n_tup_del as del, n_tup_hot_upd as hot
     from pg_stat_user_tables where schemaname = 'public' and relname = 'activities'`,
  );
  const row = rows[0];
  if (!row) throw new Error('pg_stat_user_tables has no row for activities');
  return { ins: Number(row.ins), upd: Number(row.upd), del: Number(row.del), hot: Number(row.hot) };
}

const ONLY_RUNS = {
  ...Object.fromEntries(Object.keys(DEFAULT_SPORT_WEIGHTS).map((sport) => [sport, 0])),
  Run: 1,
};

/** `count` runs of a generated athlete, as a sync's classification makes them. */
function runRows(count: number): ActivityRow[] {
  const { activities } = generateAthlete(
    { seed: 'bench-storage', activityCount: count, years: 10, sportWeights: ONLY_RUNS },
    { nowMs: Date.parse('2026-11-28T12:00:00Z'), isActivityIdTaken: () => false },
  );
  // What the Strava client receives: the simulator's JSON text, parsed.
  const records = activities.map((a) => JSON.parse(stringifyStrava(summaryActivityJson(a))));
  return classifyRecords(records, USER_ID, loadConfig({}).strava.sportTypes).rows;
}

const COLUMNS = [
  'id',
  'user_id',
  'athlete_id',
  'name',
  'sport_type',
  'start_date',
  'start_date_local',
  'timezone',
  'utc_offset_s',
  'distance_m',
  'moving_time_s',
  'elapsed_time_s',
  'total_elevation_gain_m',
  'elev_high_m',
  'elev_low_m',
  'average_speed_mps',
  'max_speed_mps',
  'average_heartrate_bpm',
  'max_heartrate_bpm',
  'average_cadence_rpm',
  'start_lat',
  'start_lng',
  'end_lat',
  'end_lng',
  'summary_polyline',
  'is_manual',
  'is_trainer',
  'is_commute',
  'is_private',
  'weather_status',
  'place_status',
  'quality_flags',
  'strava_summary',
] as const satisfies readonly (keyof ActivityRow)[];

function toCsv(rows: readonly ActivityRow[]): string {
  return rows
    .map((row) => `${COLUMNS.map((column) => csvValue(row[column])).join(',')}\n`)
    .join('');
}

function csvValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string'))
    return quote(
      `{${value.map((v) => `"${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`,
    );
  if (typeof value === 'string') return quote(value);
  return quote(JSON.stringify(value));
}

const quote = (text: string) => `"${text.replaceAll('"', '""')}"`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

export function printStorage(figures: StorageFigures[]): void {
  print('', '## B2 storage: the activity store against COPY, and an unchanged re-sync', '');
  table(
    [
      'database',
      'rows',
      'COPY',
      'upsert (pages of 200)',
      'upsert / COPY throughput',
      'upsert, one transaction',
      'JSON of the pages',
      'first sync: tuples inserted',
      're-sync',
      'tuples written by the re-sync (ins/upd/del)',
    ],
    figures.map((f) => [
      f.database,
      String(f.rows),
      `${f.copyMs.toFixed(0)} ms`,
      `${f.upsertMs.toFixed(0)} ms`,
      `${(f.upsertShareOfCopy * 100).toFixed(0)} %`,
      `${f.oneTransactionMs.toFixed(0)} ms`,
      `${f.serializeMs.toFixed(0)} ms`,
      String(f.firstSyncInserted),
      `${f.resync.ms.toFixed(0)} ms`,
      `${f.resync.inserted}/${f.resync.updated}/${f.resync.deleted}`,
    ]),
  );
}
