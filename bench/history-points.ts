import type { Database } from '../src/store/database.ts';

/** Final statuses of a user's runs: `{ 'weather enriched': n, 'place enriched': n, … }`. */
export async function statusCounts(db: Database, userId: string): Promise<Record<string, number>> {
  const { rows } = await db.query<{ half: string; status: string; n: number }>(
    `select 'weather' as half, weather_status as status, count(*)::int as n from activities
       where user_id = $1 and deleted_at is null group by 2
     union all
     select 'place', place_status, count(*)::int from activities
       where user_id = $1 and deleted_at is null group by 2`,
    [userId],
  );
  return Object.fromEntries(rows.map((r) => [`${r.half} ${r.status}`, r.n]));
}
