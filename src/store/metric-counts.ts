import type { Queryable } from './database.ts';

export type SessionCount = { kind: string; status: string; n: number };
export type ActivityCount = { weather_status: string; place_status: string; n: number };
export type LeaseCount = { expired: number; stuck: number };
export type RecentOutcomes = { finished: number; failed: number };

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

  /**
   * Running sessions whose lease has run out (`expired`: their worker died or hangs; the reaper
   * hands them on), and of those the ones expired before `stuckBeforeMs` (nobody took them over).
   */
  async leases(db: Queryable, nowMs: number, stuckBeforeMs: number): Promise<LeaseCount> {
    const { rows } = await db.query<LeaseCount>(
      `select count(*) filter (where lease_expires_at < $1)::int as expired,
         count(*) filter (where lease_expires_at < $2)::int as stuck
       from sync_sessions where status = 'running'`,
      [new Date(nowMs).toISOString(), new Date(stuckBeforeMs).toISOString()],
    );
    return rows[0] ?? { expired: 0, stuck: 0 };
  },

  /** Sessions that ended since `sinceMs`, and of those the failed ones. */
  async recentOutcomes(db: Queryable, sinceMs: number): Promise<RecentOutcomes> {
    const { rows } = await db.query<RecentOutcomes>(
      `select count(*)::int as finished, count(*) filter (where status = 'failed')::int as failed
       from sync_sessions where finished_at >= $1`,
      [new Date(sinceMs).toISOString()],
    );
    return rows[0] ?? { finished: 0, failed: 0 };
  },
};
