import type { Queryable } from './database.ts';

/** One `select 1`: the cheapest statement that proves the database is there and answering. */
export async function roundTrip(db: Queryable): Promise<void> {
  await db.query('select 1');
}
