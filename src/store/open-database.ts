import { lockDataDir } from './data-dir-lock.ts';
import type { Database } from './database.ts';
import { createPgDatabase, type PgDatabaseOptions, startupDatabaseError } from './pg-database.ts';
import { createPgliteDatabase } from './pglite-database.ts';

/** Where the data lives: a Postgres server (`DATABASE_URL`), or the embedded one in a folder. */
export type DatabaseLocation =
  | { kind: 'postgres'; url: string }
  | { kind: 'pglite'; dataDir: string };

/** The database the configuration names: `DATABASE_URL`, or the embedded one in the data dir. */
export async function openDatabase(
  database: DatabaseLocation,
  options: PgDatabaseOptions = {},
): Promise<Database> {
  if (database.kind === 'postgres') return openPostgres(database.url, options);
  const unlock = lockDataDir(database.dataDir);
  try {
    const db = await createPgliteDatabase(database.dataDir);
    return {
      ...db,
      async close() {
        await db.close();
        unlock();
      },
    };
  } catch (error) {
    unlock();
    throw error;
  }
}

/**
 * A Postgres handle, after one round trip: a `DATABASE_URL` nobody can use (refused, unknown
 * host, missing database, refused credentials) stops start-up with a `ConfigError` that says
 * what to fix, instead of failing the first query with a generic error.
 */
async function openPostgres(url: string, options: PgDatabaseOptions): Promise<Database> {
  const db = createPgDatabase(url, options);
  try {
    await db.query('select 1');
    return db;
  } catch (error) {
    await db.close().catch(() => {});
    throw startupDatabaseError(error, url) ?? error;
  }
}
