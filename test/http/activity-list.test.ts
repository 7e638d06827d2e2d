import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityDetailView, ActivityPage } from '../../src/api/contract.ts';
import { signAccessToken } from '../../src/http/jwt.ts';
import { ADAPTERS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';
import { errorOf, JWT_SECRET, testApp } from './test-app.ts';

/** Ten runs of Ada's, each different in the way one filter or search looks at. */
const RUNS = [
  // id, name, sport, local day, distance, city, country, weather, trainer
  [
    '101',
    'Parkrun Hackney Marshes',
    'Run',
    '2026-03-01',
    5000,
    'London',
    'United Kingdom',
    true,
    false,
  ],
  [
    '102',
    'Long run by the canal',
    'Run',
    '2026-03-02',
    21_100,
    'London',
    'United Kingdom',
    true,
    false,
  ],
  ['103', 'Treadmill intervals', 'Run', '2026-03-03', 8000, null, null, false, true],
  ['104', 'Zwift Watopia', 'VirtualRun', '2026-03-04', 10_000, null, null, false, false],
  [
    '105',
    'Trail in the hills',
    'TrailRun',
    '2026-03-05',
    14_000,
    'Boulder',
    'United States',
    true,
    false,
  ],
  ['106', 'Morning Run', 'Run', '2026-03-06', 7000, 'Paris', 'France', false, false],
  ['107', 'Tempo', 'Run', '2026-03-07', 10_000, 'Berlin', 'Germany', true, false],
  ['108', 'Easy shakeout', 'Run', '2026-03-08', 3000, 'Berlin', 'Germany', true, false],
  ['109', 'Marathon!', 'Run', '2026-03-09', 42_195, 'Berlin', 'Germany', true, false],
  ['110', 'Recovery jog', 'Run', '2026-03-10', 10_000, 'London', 'United Kingdom', true, false],
] as const;
// A simple encoded polyline: (38.5, -120.2) → (40.7, -120.95) → (43.252, -126.453), Google's example.
const POLYLINE = '_p~iF~ps|U_ulLnnqC_mqNvxq`@';

describe.each(ADAPTERS)('GET /api/activities: search, filters and sorts (%s)', (kind) => {
  let t: TestDatabase;
  let app: ReturnType<typeof testApp>;
  const as: Record<'ada' | 'bob', Record<string, string>> = { ada: {}, bob: {} };

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    app = testApp(t.db);
    const ada = await insertUser(t.db);
    const bob = await insertUser(t.db);
    as.ada = { authorization: `Bearer ${await signAccessToken(JWT_SECRET, { sub: ada })}` };
    as.bob = { authorization: `Bearer ${await signAccessToken(JWT_SECRET, { sub: bob })}` };
    for (const [id, name, sport, day, distance, city, country, weather, trainer] of RUNS)
      await t.db.query(
        `insert into activities (id, user_id, athlete_id, name, sport_type, start_date,
           start_date_local, distance_m, moving_time_s, elapsed_time_s, strava_summary, city,
           country, weather_status, temperature_c, is_trainer, summary_polyline, start_lat,
           start_lng, end_lat, end_lng, place_provider, weather_provider, weather_requested_at)
         values ($1, $2, 1, $3, $4, $5, $6, $7, 1800, 1900, '{}', $8, $9, $10, $11, $12, $13,
           38.5, -120.2, 43.252, -126.453, 'geonames', 'open-meteo', '2026-03-11T10:00:00Z')`,
        [
          id,
          ada,
          name,
          sport,
          `${day}T07:00:00Z`,
          `${day}T08:00:00`,
          distance,
          city,
          country,
          weather ? 'enriched' : 'not_applicable',
          weather ? 9 : null,
          trainer,
          city ? POLYLINE : null,
        ],
      );
    await t.db.query(
      `insert into activities (id, user_id, athlete_id, name, sport_type, start_date,
         start_date_local, distance_m, moving_time_s, elapsed_time_s, strava_summary)
       values (201, $1, 2, 'Bob in London', 'Run', now(), localtimestamp, 5000, 1500, 1500, '{}')`,
      [bob],
    );
  });
  afterAll(() => t?.dispose());

  async function ids(query: string, who: 'ada' | 'bob' = 'ada'): Promise<string[]> {
    const response = await app.request(`/api/activities?${query}`, { headers: as[who] });
    expect(response.status, await response.clone().text()).toBe(200);
    return ((await response.json()) as ActivityPage).items.map((run) => run.id);
  }

  it('searches names and places, in any case', async () => {
    expect(await ids('q=parkrun')).toEqual(['101']);
    expect(await ids('q=BERLIN')).toEqual(['109', '108', '107']);
    expect(await ids('q=united')).toEqual(['110', '105', '102', '101']);
    // LIKE's wildcards are plain characters here.
    expect(await ids('q=%25')).toEqual([]);
    expect(await ids('q=%21')).toEqual(['109']);
    // Bob's run in London is never Ada's.
    expect(await ids('q=bob')).toEqual([]);
  });

  it('filters by distance band, weather and indoors, and combines them', async () => {
    expect(await ids('minDistanceM=10000&maxDistanceM=15000')).toEqual([
      '110',
      '107',
      '105',
      '104',
    ]);
    expect(await ids('minDistanceM=40000')).toEqual(['109']);
    expect(await ids('weather=without')).toEqual(['106', '104', '103']);
    expect((await ids('weather=with')).length).toBe(7);
    expect(await ids('indoor=true')).toEqual(['104', '103']);
    expect((await ids('indoor=false')).length).toBe(8);
    expect(await ids('indoor=false&weather=without')).toEqual(['106']);
    expect(await ids('q=london&maxDistanceM=10000&from=2026-03-02')).toEqual(['110']);
    expect(await ids('sportType=VirtualRun')).toEqual(['104']);
  });

  it('sorts each way and pages every sort with its own cursor, without gaps or repeats', async () => {
    for (const [sort, expected] of [
      ['newest', RUNS.map((r) => r[0]).reverse()],
      ['oldest', RUNS.map((r) => r[0])],
      // Equal distances (10 km three times) fall back to the id, the same way as the distance.
      ['longest', ['109', '102', '105', '110', '107', '104', '103', '106', '101', '108']],
      ['shortest', ['108', '101', '106', '103', '104', '107', '110', '105', '102', '109']],
    ] as const) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `sort=${sort}&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
        const response = await app.request(`/api/activities?${query}`, { headers: as.ada });
        const page = (await response.json()) as ActivityPage;
        seen.push(...page.items.map((run) => run.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen, sort).toEqual(expected);
    }
  });

  it('refuses a cursor under another sort than its own', async () => {
    const first = (await (
      await app.request('/api/activities?sort=longest&limit=2', { headers: as.ada })
    ).json()) as ActivityPage;
    const response = await app.request(`/api/activities?sort=newest&cursor=${first.nextCursor}`, {
      headers: as.ada,
    });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).fields?.map((f) => f.path)).toContain('query.cursor');
  });

  it.each([
    ['q=', 'query.q'],
    [`q=${'x'.repeat(101)}`, 'query.q'],
    ['q=a%00b', 'query.q'],
    ['minDistanceM=-1', 'query.minDistanceM'],
    ['maxDistanceM=ten', 'query.maxDistanceM'],
    ['minDistanceM=10000&maxDistanceM=5000', 'query.minDistanceM'],
    ['weather=yes', 'query.weather'],
    ['indoor=1', 'query.indoor'],
    ['sort=fastest', 'query.sort'],
  ])('refuses %s with 400 naming %s', async (query, field) => {
    const response = await app.request(`/api/activities?${query}`, { headers: as.ada });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).fields?.map((f) => f.path)).toContain(field);
  });

  it('answers one run with its route and provenance, and another user’s as unknown', async () => {
    const response = await app.request('/api/activities/102', { headers: as.ada });
    expect(response.status).toBe(200);
    const run = (await response.json()) as ActivityDetailView;
    expect(run).toMatchObject({
      id: '102',
      name: 'Long run by the canal',
      distanceM: 21_100,
      summaryPolyline: POLYLINE,
      start: { lat: 38.5, lng: -120.2 },
      end: { lat: 43.252, lng: -126.453 },
      isTrainer: false,
      placeProvider: 'geonames',
      weatherRequestedAt: '2026-03-11T10:00:00.000Z',
      weather: { status: 'enriched', provider: 'open-meteo', temperatureC: 9 },
    });
    for (const [path, who] of [
      ['/api/activities/201', 'ada'],
      ['/api/activities/102', 'bob'],
      ['/api/activities/999', 'ada'],
      ['/api/activities/not-an-id', 'ada'],
      ['/api/activities/99999999999999999999', 'ada'],
    ] as const) {
      const answer = await app.request(path, { headers: as[who] });
      expect(answer.status, path).toBe(404);
      expect((await errorOf(answer)).code).toBe('activity_not_found');
    }
    expect((await app.request('/api/activities/102')).status).toBe(401);
    // The stats are still the stats, not a run called "stats".
    expect((await app.request('/api/activities/stats', { headers: as.ada })).status).toBe(200);
  });
});
