import type { Queryable } from '../store/database.ts';
import { QUEUE_SCHEMA } from './job-queue.ts';

export type JobCount = { name: string; state: string; n: number };

/**
 * pg-boss's jobs by queue and state (completed ones until pg-boss archives them); undefined
 * where pg-boss was never installed in this database, which is not the same as no jobs.
 */
export async function jobCounts(db: Queryable): Promise<JobCount[] | undefined> {
  const { rows: installed } = await db.query<{ present: boolean }>(
    `select to_regclass('${QUEUE_SCHEMA}.job') is not null as present`,
  );
  if (!installed[0]?.present) return undefined;
  const { rows } = await db.query<JobCount>(
    `select name, state::text as state, count(*)::int as n from ${QUEUE_SCHEMA}.job group by 1, 2`,
  );
  return rows;
}
