import type { Config } from '../config/config.ts';
import { lockDataDir } from './data-dir-lock.ts';
import type { Database } from './database.ts';
import { createPgDatabase, type PgDatabaseOptions } from './pg-database.ts';
import { createPgliteDatabase } from './pglite-database.ts';

/** The database the configuration names: `DATABASE_URL`, or the embedded one in the data dir. */
export async function openDatabase(
  database: Config['database'],
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
