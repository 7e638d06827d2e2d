import { Hono } from 'hono';
import type { ActivityInsightsView, ActivityStatsView } from '../../api/contract.ts';
import { BEST_TEMPERATURE_MIN_RUNS, bestTemperature } from '../../core/best-temperature.ts';
import type { Clock } from '../../core/clock.ts';
import { fitLine } from '../../core/least-squares.ts';
import { yearOverYear } from '../../core/year-over-year.ts';
import { monthlyActivityTotals, recentRunsWithTemperature } from '../../store/activity-store.ts';
import type { Database } from '../../store/database.ts';
import type { AppEnv } from '../app-env.ts';
import { requireUser } from '../auth.ts';
import type { JwtVerifier } from '../jwt.ts';

/**
 * A scatter of more points than this says nothing more and costs the browser; the most recent
 * runs are the ones a runner compares against.
 */
export const PACE_POINTS_LIMIT = 2_000;

/**
 * `GET /api/activities/stats`: the signed-in runner's whole history for the dashboard's charts,
 * deleted runs left out. Months are the runner's local months (`start_date_local`): a run at
 * 23:30 on 31 January in New York belongs to January, whatever UTC says. Both queries read only
 * the user's rows: the totals from the index activities_user_month_totals alone (an index-only
 * scan), the pace points through activities_user_start (docs/benchmarks.md, B6). The insights
 * (pace trend, best temperature, this year against last) are computed from those two answers;
 * "this year" is the clock's UTC year.
 */
export function activityStatsRoutes(deps: { db: Database; auth: JwtVerifier; clock: Clock }) {
  return new Hono<AppEnv>().get('/api/activities/stats', requireUser(deps.auth), async (c) => {
    const userId = c.get('user').id;
    const [months, pace] = await Promise.all([
      monthTotals(deps.db, userId),
      pacePoints(deps.db, userId),
    ]);
    const today = new Date(deps.clock.now()).toISOString();
    c.header('cache-control', 'no-store');
    return c.json({
      months,
      paceVsTemperature: pace,
      insights: insightsOf(months, pace, today),
    } satisfies ActivityStatsView);
  });
}

/** The insights are the series' own arithmetic (src/core): no second read of the runs. */
function insightsOf(
  months: ActivityStatsView['months'],
  pace: ActivityStatsView['paceVsTemperature'],
  today: string,
): ActivityInsightsView {
  const fit = fitLine(pace.map((p) => ({ x: p.temperatureC, y: p.paceSPerKm })));
  const best = bestTemperature(pace);
  return {
    paceTrend: fit && {
      slopeSPerKmPerC: fit.slope,
      interceptSPerKm: fit.intercept,
      r2: fit.r2,
      runs: fit.count,
    },
    bestTemperature: best && { ...best, minRuns: BEST_TEMPERATURE_MIN_RUNS },
    yearOverYear: months.length === 0 ? null : yearOverYear(months, today),
  };
}

async function monthTotals(db: Database, userId: string): Promise<ActivityStatsView['months']> {
  const rows = await monthlyActivityTotals(db, userId);
  const byMonth = new Map(rows.map((r) => [r.month, r]));
  const first = rows[0]?.month;
  const last = rows.at(-1)?.month;
  if (!first || !last) return [];
  return monthsBetween(first, last).map((month) => {
    const row = byMonth.get(month);
    return {
      month,
      runs: row?.runs ?? 0,
      distanceM: row?.distance_m ?? 0,
      movingTimeS: row?.moving_time_s ?? 0,
    };
  });
}

/** Every `YYYY-MM` from `first` to `last`, both included. */
function monthsBetween(first: string, last: string): string[] {
  const index = (month: string) => Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1;
  const months: string[] = [];
  for (let i = index(first); i <= index(last); i++) {
    months.push(`${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`);
  }
  return months;
}

async function pacePoints(
  db: Database,
  userId: string,
): Promise<ActivityStatsView['paceVsTemperature']> {
  const rows = await recentRunsWithTemperature(db, userId, PACE_POINTS_LIMIT);
  return rows.map((r) => ({
    id: r.id,
    date: r.start_date_local.slice(0, 10),
    paceSPerKm: r.moving_time_s / (r.distance_m / 1000),
    temperatureC: r.temperature_c,
    distanceM: r.distance_m,
  }));
}
