import type { Database, Queryable } from '../src/store/database.ts';

/** A database that counts the statements and transactions made through it. */
export interface CountingDatabase {
  db: Database;
  counts: { statements: number; transactions: number };
}

export function countingDatabase(inner: Database): CountingDatabase {
  const counts = { statements: 0, transactions: 0 };
  const counted = (target: Queryable): Queryable => ({
    query(text, params) {
      counts.statements += 1;
      return target.query(text, params);
    },
    exec(sql) {
      counts.statements += 1;
      return target.exec(sql);
    },
  });
  const db: Database = {
    ...inner,
    ...counted(inner),
    withTransaction(fn) {
      counts.transactions += 1;
      return inner.withTransaction((tx) => fn(counted(tx)));
    },
  };
  return { db, counts };
}
