import type { Queryable } from '../store/database.ts';
import { QUEUE_SCHEMA } from './job-queue.ts';

export type JobCount = { name: string; state: string; n: number };

/**
 * pg-boss's jobs by queue and state (completed ones until pg-boss archives them); undefined
 * where pg-boss was never installed in this database, which is not the same as no jobs.
 */
export async function jobCounts(db: Queryable): Promise<JobCount[] | undefined> {
  if (!(await pgBossInstalled(db))) return undefined;
  const { rows } = await db.query<JobCount>(
    `select name, state::text as state, count(*)::int as n from ${QUEUE_SCHEMA}.job group by 1, 2`,
  );
  return rows;
}

export type QueueBacklog = { name: string; waiting: number; oldest_age_s: number | null };

/**
 * Jobs due and not yet taken, per queue, and how long the oldest has been due (seconds). A job
 * scheduled for later (a parked sync's `resume_at`) is not due until its time; undefined where
 * pg-boss was never installed.
 */
export async function queueBacklog(
  db: Queryable,
  nowMs: number,
): Promise<QueueBacklog[] | undefined> {
  if (!(await pgBossInstalled(db))) return undefined;
  const { rows } = await db.query<QueueBacklog>(
    `select name, count(*)::int as waiting,
       extract(epoch from ($1::timestamptz - min(start_after)))::float8 as oldest_age_s
     from ${QUEUE_SCHEMA}.job
     where state in ('created', 'retry') and start_after <= $1::timestamptz
     group by name`,
    [new Date(nowMs).toISOString()],
  );
  return rows.map((r) => ({
    ...r,
    oldest_age_s: r.oldest_age_s === null ? null : Math.max(0, Number(r.oldest_age_s)),
  }));
}

async function pgBossInstalled(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ present: boolean }>(
    `select to_regclass('${QUEUE_SCHEMA}.job') is not null as present`,
  );
  return rows[0]?.present === true;
}
