import type { Database } from '../src/store/database.ts';
import { migrate } from '../src/store/migrations.ts';
import { openPglite, pgliteDatabase } from '../src/store/pglite-database.ts';

/**
 * An in-memory PGlite (nothing on disk). A fresh one is migrated; one opened `from` a dump
 * starts exactly where the dumped one was, so every provider is measured on the same stored
 * runs with empty caches and an empty ledger.
 */
export interface BenchDatabase {
  db: Database;
  dump(): Promise<Blob>;
  close(): Promise<void>;
}

export async function openBenchDatabase(from?: Blob): Promise<BenchDatabase> {
  const pglite = await openPglite('memory://', from ? { loadDataDir: from } : {});
  const db = pgliteDatabase(pglite);
  if (!from) await migrate(db);
  return {
    db,
    dump: () => pglite.dumpDataDir('none'),
    close: () => db.close(),
  };
}
