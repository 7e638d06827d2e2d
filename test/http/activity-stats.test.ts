import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityStatsView } from '../../src/api/contract.ts';
import { createManualClock } from '../../src/core/clock.ts';
import { signAccessToken } from '../../src/http/jwt.ts';
import { type RunningServer, startServer } from '../../src/http/node-server.ts';
import { PACE_POINTS_LIMIT } from '../../src/http/routes/activity-stats.ts';
import { ADAPTERS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';
import { errorOf, JWT_SECRET, testApp } from './test-app.ts';

interface Run {
  id: string;
  startDate: string;
  startDateLocal: string;
  distanceM: number;
  movingTimeS: number;
  temperatureC?: number;
  deleted?: boolean;
  qualityFlags?: string[];
}

/** "Now" for the server: this year is 2026, up to April. */
const TODAY = '2026-04-15T12:00:00Z';

/** This year's months as the insights give them: the given ones, 0 until April, null after. */
function thisYear(distances: Record<number, number>, previous: Record<number, number> = {}) {
  return Array.from({ length: 12 }, (_, index) => ({
    month: index + 1,
    distanceM: index + 1 > 4 ? null : (distances[index + 1] ?? 0),
    previousYearDistanceM: previous[index + 1] ?? 0,
  }));
}

describe.each(ADAPTERS)('GET /api/activities/stats on %s', (kind) => {
  let t: TestDatabase;
  let server: RunningServer;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    server = await startServer(testApp(t.db, undefined, createManualClock(TODAY)), { port: 0 });
  });
  afterAll(async () => {
    await server.close();
    await t.dispose();
  });

  async function newUser() {
    const id = await insertUser(t.db);
    return { id, authorization: `Bearer ${await signAccessToken(JWT_SECRET, { sub: id })}` };
  }

  async function insertRuns(userId: string, runs: Run[]) {
    for (const run of runs) {
      await t.db.query(
        `insert into activities (id, user_id, athlete_id, name, sport_type, start_date, start_date_local,
           distance_m, moving_time_s, elapsed_time_s, strava_summary, weather_status, temperature_c, deleted_at,
           quality_flags)
         values ($1, $2, 1, 'Run', 'Run', $3, $4, $5, $6, $6, '{}', $7, $8, $9, $10)`,
        [
          run.id,
          userId,
          run.startDate,
          run.startDateLocal,
          run.distanceM,
          run.movingTimeS,
          run.temperatureC === undefined ? 'pending' : 'enriched',
          run.temperatureC ?? null,
          run.deleted ? run.startDate : null,
          run.qualityFlags ?? [],
        ],
      );
    }
  }

  async function statsOf(authorization: string): Promise<ActivityStatsView> {
    const response = await fetch(`${server.url}/api/activities/stats`, {
      headers: { authorization },
    });
    expect(response.status).toBe(200);
    return (await response.json()) as ActivityStatsView;
  }

  it('needs a signed-in user', async () => {
    const response = await fetch(`${server.url}/api/activities/stats`);
    expect(response.status).toBe(401);
    expect((await errorOf(response)).code).toBe('missing_token');
  });

  it('totals local months with the empty ones, and plots pace against temperature', async () => {
    const alice = await newUser();
    const bob = await newUser();
    await insertRuns(alice.id, [
      // New York, late evening of 31 January: February in UTC, January where it was run.
      {
        id: '7000000001',
        startDate: '2026-02-01T03:30:00Z',
        startDateLocal: '2026-01-31T22:30:00',
        distanceM: 10_000,
        movingTimeS: 3000,
        temperatureC: -2,
      },
      {
        id: '7000000002',
        startDate: '2026-01-10T12:00:00Z',
        startDateLocal: '2026-01-10T07:00:00',
        distanceM: 5000,
        movingTimeS: 1600,
      },
      {
        id: '7000000003',
        startDate: '2026-03-05T11:00:00Z',
        startDateLocal: '2026-03-05T06:00:00',
        distanceM: 8000,
        movingTimeS: 2400,
        temperatureC: 12.5,
      },
      // A treadmill run logged by time alone: in the month's totals, not in the pace plot.
      {
        id: '7000000004',
        startDate: '2026-03-06T11:00:00Z',
        startDateLocal: '2026-03-06T06:00:00',
        distanceM: 0,
        movingTimeS: 1800,
        temperatureC: 20,
      },
      // Deleted at Strava: counted nowhere.
      {
        id: '7000000005',
        startDate: '2026-04-01T11:00:00Z',
        startDateLocal: '2026-04-01T06:00:00',
        distanceM: 42_195,
        movingTimeS: 12_000,
        temperatureC: 15,
        deleted: true,
      },
    ]);
    await insertRuns(bob.id, [
      {
        id: '7100000001',
        startDate: '2026-02-15T08:00:00Z',
        startDateLocal: '2026-02-15T09:00:00',
        distanceM: 21_097,
        movingTimeS: 6000,
        temperatureC: 8,
      },
    ]);

    expect(await statsOf(alice.authorization)).toEqual({
      months: [
        { month: '2026-01', runs: 2, distanceM: 15_000, movingTimeS: 4600 },
        { month: '2026-02', runs: 0, distanceM: 0, movingTimeS: 0 },
        { month: '2026-03', runs: 2, distanceM: 8000, movingTimeS: 4200 },
      ],
      paceVsTemperature: [
        {
          id: '7000000003',
          date: '2026-03-05',
          paceSPerKm: 300,
          temperatureC: 12.5,
          distanceM: 8000,
        },
        {
          id: '7000000001',
          date: '2026-01-31',
          paceSPerKm: 300,
          temperatureC: -2,
          distanceM: 10_000,
        },
      ],
      insights: {
        // Two runs at one pace: a flat line through both, exact.
        paceTrend: { slopeSPerKmPerC: 0, interceptSPerKm: 300, r2: 1, runs: 2 },
        bestTemperature: null,
        yearOverYear: { year: 2026, months: thisYear({ 1: 15_000, 3: 8000 }) },
      },
    });
    expect(await statsOf(bob.authorization)).toEqual({
      months: [{ month: '2026-02', runs: 1, distanceM: 21_097, movingTimeS: 6000 }],
      paceVsTemperature: [
        {
          id: '7100000001',
          date: '2026-02-15',
          paceSPerKm: 6000 / 21.097,
          temperatureC: 8,
          distanceM: 21_097,
        },
      ],
      insights: {
        paceTrend: null,
        bestTemperature: null,
        yearOverYear: { year: 2026, months: thisYear({ 2: 21_097 }) },
      },
    });
  });

  it('keeps flagged runs out of the charts: an impossible pace everywhere, a slow one from the pace plot', async () => {
    const erin = await newUser();
    await insertRuns(erin.id, [
      {
        id: '7200000001',
        startDate: '2026-05-02T08:00:00Z',
        startDateLocal: '2026-05-02T09:00:00',
        distanceM: 10_000,
        movingTimeS: 3000,
        temperatureC: 14,
      },
      // A car ride saved as a run: 1:25/km would stretch the pace axis and pad the month.
      {
        id: '7200000002',
        startDate: '2026-05-03T08:00:00Z',
        startDateLocal: '2026-05-03T09:00:00',
        distanceM: 60_000,
        movingTimeS: 5100,
        temperatureC: 15,
        qualityFlags: ['impossible_pace'],
      },
      // A watch left running on a bench: a real outing, but its pace says nothing.
      {
        id: '7200000003',
        startDate: '2026-05-04T08:00:00Z',
        startDateLocal: '2026-05-04T09:00:00',
        distanceM: 1000,
        movingTimeS: 3600,
        temperatureC: 16,
        qualityFlags: ['implausibly_slow'],
      },
    ]);
    const stats = await statsOf(erin.authorization);
    expect(stats.months).toEqual([
      { month: '2026-05', runs: 2, distanceM: 11_000, movingTimeS: 6600 },
    ]);
    expect(stats.paceVsTemperature.map((p) => p.id)).toEqual(['7200000001']);
  });

  it('answers empty charts for a runner with no runs', async () => {
    const carol = await newUser();
    expect(await statsOf(carol.authorization)).toEqual({
      months: [],
      paceVsTemperature: [],
      insights: { paceTrend: null, bestTemperature: null, yearOverYear: null },
    });
  });

  it(`plots only the ${PACE_POINTS_LIMIT} most recent runs, and totals them all`, async () => {
    const dave = await newUser();
    const total = PACE_POINTS_LIMIT + 5;
    // One run a day from 2020-01-01, 5 km in 25 minutes, at 10 °C.
    await t.db.query(
      `insert into activities (id, user_id, athlete_id, name, sport_type, start_date, start_date_local,
         distance_m, moving_time_s, elapsed_time_s, strava_summary, weather_status, temperature_c)
       select 8000000000 + i, $1, 1, 'Run', 'Run', timestamptz '2020-01-01T07:00:00Z' + i * interval '1 day',
              timestamp '2020-01-01T08:00:00' + i * interval '1 day', 5000, 1500, 1500, '{}', 'enriched', 10
       from generate_series(0, $2 - 1) as i`,
      [dave.id, total],
    );
    const stats = await statsOf(dave.authorization);
    expect(stats.paceVsTemperature).toHaveLength(PACE_POINTS_LIMIT);
    expect(stats.paceVsTemperature[0]?.id).toBe(String(8_000_000_000 + total - 1));
    expect(stats.paceVsTemperature.at(-1)?.id).toBe(String(8_000_000_005));
    expect(stats.months.reduce((sum, m) => sum + m.runs, 0)).toBe(total);
    expect(stats.months[0]).toEqual({
      month: '2020-01',
      runs: 31,
      distanceM: 155_000,
      movingTimeS: 46_500,
    });
    // The insights read the plotted runs: one temperature has no trend, and its band is best.
    expect(stats.insights.paceTrend).toBeNull();
    expect(stats.insights.bestTemperature).toEqual({
      fromC: 10,
      toC: 15,
      runs: PACE_POINTS_LIMIT,
      medianPaceSPerKm: 300,
      minRuns: 10,
    });
  });

  it('fits pace against temperature, finds the best temperature and sets this year against last', async () => {
    const frank = await newUser();
    // Ten runs of 10 km in each of three bands: 5:30/km at 5 °C, 5:00 at 15 °C, 5:45 at 25 °C.
    const bands = [
      [5, 330],
      [15, 300],
      [25, 345],
    ] as const;
    const runs: Run[] = bands.flatMap(([temperatureC, pace], b) =>
      Array.from({ length: 10 }, (_, i) => {
        // One band a year ago, two this year: March 2025, then March and April 2026.
        const month = b === 0 ? '2025-03' : b === 1 ? '2026-03' : '2026-04';
        const day = String(i + 1).padStart(2, '0');
        return {
          id: String(7300000000 + b * 10 + i),
          startDate: `${month}-${day}T07:00:00Z`,
          startDateLocal: `${month}-${day}T08:00:00`,
          distanceM: 10_000,
          movingTimeS: pace * 10,
          temperatureC,
        };
      }),
    );
    await insertRuns(frank.id, runs);
    const { insights } = await statsOf(frank.authorization);
    // By hand: x̄ = 15, ȳ = 325, Sxx = 2000, Sxy = 1500, Syy = 10500.
    expect(insights.paceTrend?.slopeSPerKmPerC).toBeCloseTo(0.75, 9);
    expect(insights.paceTrend?.interceptSPerKm).toBeCloseTo(313.75, 9);
    expect(insights.paceTrend?.r2).toBeCloseTo(1500 ** 2 / (2000 * 10_500), 9);
    expect(insights.paceTrend?.runs).toBe(30);
    expect(insights.bestTemperature).toEqual({
      fromC: 15,
      toC: 20,
      runs: 10,
      medianPaceSPerKm: 300,
      minRuns: 10,
    });
    expect(insights.yearOverYear).toEqual({
      year: 2026,
      months: thisYear({ 3: 100_000, 4: 100_000 }, { 3: 100_000 }),
    });
  });
});
