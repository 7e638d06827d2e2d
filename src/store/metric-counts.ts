import type { Queryable } from './database.ts';

export type SessionCount = { kind: string; status: string; n: number };
export type ActivityCount = { weather_status: string; place_status: string; n: number };

/**
 * The aggregates `GET /api/metrics` exposes: counts over every user, one `count … group by`
 * each, and nothing that names a user or a run.
 */
export const metricCounts = {
  /** Sync sessions ever created, by kind and status; combinations never seen are absent. */
  async sessions(db: Queryable): Promise<SessionCount[]> {
    const { rows } = await db.query<SessionCount>(
      'select kind, status, count(*)::int as n from sync_sessions group by 1, 2',
    );
    return rows;
  },

  /** Live runs by weather and place status; combinations never seen are absent. */
  async activities(db: Queryable): Promise<ActivityCount[]> {
    const { rows } = await db.query<ActivityCount>(
      `select weather_status, place_status, count(*)::int as n from activities
       where deleted_at is null group by 1, 2`,
    );
    return rows;
  },
};
