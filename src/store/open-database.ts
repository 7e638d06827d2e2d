import { lockDataDir } from './data-dir-lock.ts';
import type { Database } from './database.ts';
import { createPgDatabase, type PgDatabaseOptions } from './pg-database.ts';
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
  if (database.kind === 'postgres') return createPgDatabase(database.url, options);
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
