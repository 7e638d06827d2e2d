import { randomUUID } from 'node:crypto';
import type { Database } from '../src/store/database.ts';
import { migrate } from '../src/store/migrations.ts';
import { createPgDatabase } from '../src/store/pg-database.ts';

/** The machine's own server, where `BENCH_POSTGRES_URL` names none (CI starts it). */
export const LOCAL_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface ScratchPostgres {
  db: Database;
  /** The scratch database's own URL, for a second pool or another process. */
  url: string;
  /** `Postgres 15.20 (127.0.0.1:5432)`. */
  label: string;
}

/**
 * A throwaway database on the server `adminUrl` names (a user who may create databases),
 * migrated, dropped afterwards whatever happens.
 */
export async function withScratchPostgres<T>(
  adminUrl: string,
  fn: (scratch: ScratchPostgres) => Promise<T>,
  options: { max?: number } = {},
): Promise<T> {
  const name = `stridesync_bench_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = createPgDatabase(adminUrl, { max: 1 });
  await admin.query(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = createPgDatabase(url.toString(), { max: options.max ?? 10 });
  try {
    await migrate(db);
    const version = await db.query<{ v: string }>(`select current_setting('server_version') as v`);
    const label = `Postgres ${version.rows[0]?.v.split(' ')[0]} (${url.host})`;
    return await fn({ db, url: url.toString(), label });
  } finally {
    await db.close();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.close();
  }
}
