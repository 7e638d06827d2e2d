import type { Queryable } from './database.ts';

export interface DaySessions {
  day: string;
  started: number;
  completed: number;
  failed: number;
}

export interface UsageStats {
  days: DaySessions[];
  /** Sessions that ended in the window, by how they ended. */
  ended: { completed: number; failed: number; cancelled: number };
  /** Median seconds from start to finish of the window's completed sessions; null with none. */
  medianDurationS: number | null;
  /** Strava listing pages read per completed session (its `slice:stored` events), on average. */
  pagesPerRun: number | null;
  /** Stored runs by weather and place status (deleted ones excluded). */
  coverage: { weather: Record<string, number>; place: Record<string, number> };
  /** Each ledger line's current window: used of its limit. */
  budgets: { provider: string; bucket: string; used: number; limit: number; windowEnd: Date }[];
}

/** What `stridesync stats` prints: the sessions of the last `days` days, coverage and budgets. */
export async function usageStats(db: Queryable, days: number): Promise<UsageStats> {
  const since = `now() - make_interval(days => $1)`;
  const perDay = await db.query<DaySessions>(
    `select to_char(date_trunc('day', created_at at time zone 'UTC'), 'YYYY-MM-DD') as day,
            count(*)::int as started,
            count(*) filter (where status = 'completed')::int as completed,
            count(*) filter (where status = 'failed')::int as failed
       from sync_sessions where created_at > ${since} group by 1 order by 1`,
    [days],
  );
  const ended = await db.query<UsageStats['ended'] & { median_s: number | null }>(
    `select count(*) filter (where status = 'completed')::int as completed,
            count(*) filter (where status = 'failed')::int as failed,
            count(*) filter (where status = 'cancelled')::int as cancelled,
            percentile_cont(0.5) within group (order by extract(epoch from finished_at - started_at))
              filter (where status = 'completed' and started_at is not null)::float8 as median_s
       from sync_sessions where finished_at > ${since}`,
    [days],
  );
  const pages = await db.query<{ pages: number | null }>(
    `select avg(n)::float8 as pages from (
       select count(e.id) as n from sync_sessions s
         left join sync_events e on e.session_id = s.id and e.type = 'slice:stored'
        where s.status = 'completed' and s.finished_at > ${since} group by s.id) per_run`,
    [days],
  );
  const coverage = await db.query<{ aspect: string; status: string; n: number }>(
    `select 'weather' as aspect, weather_status as status, count(*)::int as n
       from activities where deleted_at is null group by 2
     union all
     select 'place', place_status, count(*)::int from activities where deleted_at is null group by 2`,
  );
  const budgets = await db.query<{
    provider: string;
    bucket: string;
    used: number;
    limit: number;
    window_end: Date;
  }>(
    `select provider, bucket, used_count as used, limit_count as "limit", window_end
       from api_budget where window_start <= now() and window_end > now() order by 1, 2`,
  );
  const e = ended.rows[0];
  return {
    days: perDay.rows,
    ended: {
      completed: e?.completed ?? 0,
      failed: e?.failed ?? 0,
      cancelled: e?.cancelled ?? 0,
    },
    medianDurationS: e?.median_s ?? null,
    pagesPerRun: pages.rows[0]?.pages ?? null,
    coverage: {
      weather: countsOf(coverage.rows.filter((r) => r.aspect === 'weather')),
      place: countsOf(coverage.rows.filter((r) => r.aspect === 'place')),
    },
    budgets: budgets.rows.map((b) => ({ ...b, windowEnd: b.window_end })),
  };
}

function countsOf(rows: { status: string; n: number }[]): Record<string, number> {
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}
