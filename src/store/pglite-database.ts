import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Database, Queryable, QueryResult } from './database.ts';
import { retryTransaction } from './database.ts';
import { TEXT_PARSERS } from './type-parsers.ts';

/**
 * The embedded adapter: real Postgres compiled to WASM, in this process. `dataDir` is a folder
 * (kept across restarts) or `memory://` (tests). PGlite runs one statement at a time and its
 * `transaction()` holds everything else back until it ends, so transactions here never
 * conflict; the retry wrapper is kept for parity with the `pg` adapter.
 */
export async function createPgliteDatabase(dataDir: string): Promise<Database> {
  return pgliteDatabase(await openPglite(dataDir));
}

/** A PGlite instance with stridesync's type parsers; `loadDataDir` starts it from a dump. */
export function openPglite(dataDir: string, options: { loadDataDir?: Blob } = {}): Promise<PGlite> {
  return PGlite.create(dataDir, { parsers: TEXT_PARSERS, ...options });
}

export function pgliteDatabase(pglite: PGlite): Database {
  return {
    kind: 'pglite',
    ...queryable(pglite),
    withTransaction: (fn) => retryTransaction(() => pglite.transaction((tx) => fn(queryable(tx)))),
    async listen(channel, onNotify) {
      const unlisten = await pglite.listen(channel, onNotify);
      return () => unlisten();
    },
    close: () => pglite.close(),
  };
}

function queryable(target: PGlite | Transaction): Queryable {
  return {
    async query<Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
      const result = await target.query<Row>(text, params ? [...params] : undefined);
      // PGlite counts only rows a DML statement touched; pg also counts rows a SELECT returned.
      return {
        rows: result.rows,
        rowCount: Math.max(result.affectedRows ?? 0, result.rows.length),
      };
    },
    async exec(sql: string) {
      await target.exec(sql);
    },
  };
}
