import { beforeEach, describe, expect, it } from 'vitest';
import type { SimActivity } from '../../sim/strava/index.ts';
import { stravaSummaryActivitySchema } from '../../src/core/strava-activity.ts';
import { readApiSample, readApiSampleText } from '../support/api-samples.ts';
import { bearer, NOW, serveStravaSim, shapeOf } from './strava-helpers.ts';

/** The athlete endpoints over real HTTP, compared with the real payloads. */
const env = serveStravaSim({
  athletes: [{ seed: 'activities-test', activityCount: 450, years: 3 }],
});
const { sim, clock, athleteId } = env;
let token: string;

beforeEach(() => {
  token = sim.issueTokens(athleteId, ['read', 'activity:read_all']).access_token;
});

const get = (path: string, accessToken = token) =>
  fetch(`${env.url}/api/v3${path}`, { headers: bearer(accessToken) });

async function listAll(accessToken = token): Promise<Record<string, unknown>[]> {
  const all: Record<string, unknown>[] = [];
  for (let page = 1; ; page++) {
    const response = await get(`/athlete/activities?per_page=200&page=${page}`, accessToken);
    const items = (await response.json()) as Record<string, unknown>[];
    if (items.length === 0) return all;
    all.push(...items);
  }
}

describe('GET /athlete/activities', () => {
  it("answers summaries with the real 2025 payload's fields, order and types", async () => {
    const [real] = readApiSample<Record<string, unknown>[]>(
      'strava_athlete_activities_page_real_2025.json',
    );
    const page = (await (await get('/athlete/activities?per_page=200')).json()) as Record<
      string,
      unknown
    >[];
    // A run recorded like the real one: GPS, heart rate, cadence and temperature.
    const like = page.find(
      (a) =>
        'average_heartrate' in a &&
        'average_temp' in a &&
        'suffer_score' in a &&
        'average_cadence' in a &&
        a.upload_id !== null,
    )!;
    expect(like).toBeDefined();
    const normalize = (shape: [string, string][]) =>
      shape.map(([key, type]) => [key, key === 'workout_type' ? 'number|null' : type]);
    expect(normalize(shapeOf(like))).toEqual(normalize(shapeOf(real!)));
    expect(shapeOf(like.athlete as Record<string, unknown>)).toEqual(
      shapeOf(real!.athlete as Record<string, unknown>),
    );
    expect(Object.keys(like.map as object)).toEqual(Object.keys(real!.map as object));
  });

  it('writes floats as floats, as the real payload does', async () => {
    const text = await (await get('/athlete/activities?per_page=5')).text();
    expect(text).toMatch(/"utc_offset":-?\d+\.\d+/);
    expect(text).toMatch(/"distance":\d+\.\d/);
    expect(readApiSampleText('strava_athlete_activities_page_real_2025.json')).toContain(
      '"utc_offset":-14400.0',
    );
  });

  it('gives every activity in a shape our client schema accepts', async () => {
    const all = await listAll();
    expect(all.length).toBe(sim.activitiesOf(athleteId).length);
    for (const item of all)
      expect(stravaSummaryActivitySchema.safeParse(item).success, String(item.id)).toBe(true);
  });

  it('pages 30 by default, at most 200, newest first', async () => {
    const live = sim.activitiesOf(athleteId);
    const newest = [...live].reverse();
    const first = (await (await get('/athlete/activities')).json()) as { id: number }[];
    expect(first.map((a) => a.id)).toEqual(newest.slice(0, 30).map((a) => a.id));
    const big = (await (await get('/athlete/activities?per_page=500')).json()) as unknown[];
    expect(big).toHaveLength(200);
    const third = (await (await get('/athlete/activities?per_page=200&page=3')).json()) as {
      id: number;
    }[];
    expect(third.map((a) => a.id)).toEqual(newest.slice(400, 600).map((a) => a.id));
    expect(await (await get('/athlete/activities?page=99')).json()).toEqual([]);
  });

  it('filters with before and after (epoch seconds, exclusive)', async () => {
    const live = sim.activitiesOf(athleteId);
    const pivot = live[200]!;
    const pivotS = Math.floor(pivot.startMs / 1000);
    const before = (await (
      await get(`/athlete/activities?before=${pivotS}&per_page=200`)
    ).json()) as { id: number }[];
    const expected = live
      .filter((a) => a.startMs < pivotS * 1000)
      .reverse()
      .slice(0, 200);
    expect(before.map((a) => a.id)).toEqual(expected.map((a) => a.id));
    expect(before.map((a) => a.id)).not.toContain(pivot.id);

    const window = (await (
      await get(`/athlete/activities?after=${pivotS - 86_400 * 30}&before=${pivotS}&per_page=200`)
    ).json()) as { start_date: string }[];
    const times = window.map((a) => Date.parse(a.start_date));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('answers after-only queries oldest first by default, newest first with the knob', async () => {
    const live = sim.activitiesOf(athleteId);
    const afterS = Math.floor(live[100]!.startMs / 1000);
    const expectedAscending = live
      .filter((a) => a.startMs > afterS * 1000)
      .slice(0, 10)
      .map((a) => a.id);
    const ascending = (await (
      await get(`/athlete/activities?after=${afterS}&per_page=10`)
    ).json()) as { id: number }[];
    expect(ascending.map((a) => a.id)).toEqual(expectedAscending);

    sim.knobs.afterOnlyOrder = 'descending';
    const descending = (await (
      await get(`/athlete/activities?after=${afterS}&per_page=10`)
    ).json()) as { id: number }[];
    expect(descending.map((a) => a.id)).toEqual(
      [...live]
        .reverse()
        .slice(0, 10)
        .map((a) => a.id),
    );
  });

  it('answers 400 with the real body when after is in milliseconds', async () => {
    const response = await get(`/athlete/activities?after=${Date.parse(NOW) - 86_400_000}`);
    expect(response.status).toBe(400);
    expect(await response.text()).toBe(readApiSampleText('strava_400_after_future.json'));
    expect(response.headers.get('x-ratelimit-usage')).toBe('1,1');
  });

  it('answers 401 missing activity:read with the real body, and hides only_me without read_all', async () => {
    const readOnly = sim.issueTokens(athleteId, ['read']).access_token;
    const response = await get('/athlete/activities', readOnly);
    expect(response.status).toBe(401);
    expect(await response.text()).toBe(readApiSampleText('strava_401_missing_scope.json'));

    const publicToken = sim.issueTokens(athleteId, ['activity:read']).access_token;
    const visible = await listAll(publicToken);
    const live = sim.activitiesOf(athleteId);
    const hidden = live.filter((a) => a.visibility === 'only_me');
    expect(hidden.length).toBeGreaterThan(0);
    expect(visible).toHaveLength(live.length - hidden.length);
    expect(visible.some((a) => a.private === true)).toBe(false);
    expect(visible.some((a) => a.visibility === 'followers_only')).toBe(true);
  });

  it('reflects edits and deletions, and shows new activities on top', async () => {
    const [newest, second] = [...sim.activitiesOf(athleteId)].reverse();
    sim.editActivity(newest!.id, { name: 'Renamed run' });
    sim.deleteActivity(second!.id);
    const created = sim.createActivity(athleteId);
    const page = (await (await get('/athlete/activities?per_page=3')).json()) as {
      id: number;
      name: string;
    }[];
    expect(page[0]!.id).toBe(created.id);
    expect(page[1]).toMatchObject({ id: newest!.id, name: 'Renamed run' });
    expect(page.map((a) => a.id)).not.toContain(second!.id);
    expect(created.id).toBeGreaterThan(
      Math.max(
        ...sim
          .activitiesOf(athleteId)
          .filter((a) => a !== created)
          .map((a) => a.id),
      ),
    );
  });

  it('lets activities appear during a sync with the arrivals knob (and offset pages shift)', async () => {
    sim.knobs.arrivals = { everyListRequests: 2, perArrival: 3 };
    const before = sim.activitiesOf(athleteId).length;
    const first = (await (await get('/athlete/activities?per_page=50&page=1')).json()) as {
      id: number;
    }[];
    const second = (await (await get('/athlete/activities?per_page=50&page=2')).json()) as {
      id: number;
    }[];
    expect(sim.activitiesOf(athleteId).length).toBe(before + 3);
    // The three new ones pushed the first page's last three onto page two.
    expect(second.slice(0, 3).map((a) => a.id)).toEqual(first.slice(-3).map((a) => a.id));
  });
});

describe('GET /activities/{id}', () => {
  it('answers the detailed activity', async () => {
    const activity = sim.activitiesOf(athleteId).find((a) => a.visibility === 'everyone')!;
    const response = await get(`/activities/${activity.id}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      id: activity.id,
      resource_state: 3,
      name: activity.name,
      segment_efforts: [],
    });
    expect(body).toHaveProperty('description');
    expect(stravaSummaryActivitySchema.safeParse(body).success).toBe(true);
  });

  it("answers 404 with the real body for unknown, deleted and other athletes' activities", async () => {
    const other = sim.addAthlete({ seed: 'other-athlete', activityCount: 5 });
    const deleted = sim.activitiesOf(athleteId)[0]!;
    sim.deleteActivity(deleted.id);
    for (const id of [123, deleted.id, sim.activitiesOf(other.id)[0]!.id]) {
      const response = await get(`/activities/${id}`);
      expect(response.status).toBe(404);
      expect(await response.text()).toBe(readApiSampleText('strava_404_not_found.json'));
    }
  });

  it('hides only_me activities from an activity:read token', async () => {
    const privateOne = sim
      .activitiesOf(athleteId)
      .find((a: SimActivity) => a.visibility === 'only_me')!;
    const publicToken = sim.issueTokens(athleteId, ['activity:read']).access_token;
    expect((await get(`/activities/${privateOne.id}`, publicToken)).status).toBe(404);
    expect((await get(`/activities/${privateOne.id}`)).status).toBe(200);
  });
});

describe('GET /athlete and /athletes/{id}/stats', () => {
  it("answers the athlete in the token response's shape; detailed with profile:read_all", async () => {
    const fixture = readApiSample<{ athlete: Record<string, unknown> }>(
      'strava_token_authorization_code_response.json',
    );
    const summary = (await (await get('/athlete')).json()) as Record<string, unknown>;
    // Same fields in the same order; `username` may be null (Strava allows athletes without one).
    expect(Object.keys(summary)).toEqual(Object.keys(fixture.athlete));
    const nullable = new Set(['username', 'sex', 'state']);
    expect(shapeOf(summary).filter(([key]) => !nullable.has(key))).toEqual(
      shapeOf(fixture.athlete).filter(([key]) => !nullable.has(key)),
    );
    expect(summary).toMatchObject({ id: athleteId, resource_state: 2 });
    const profileToken = sim.issueTokens(athleteId, [
      'profile:read_all',
      'activity:read',
    ]).access_token;
    const detailed = (await (await get('/athlete', profileToken)).json()) as Record<
      string,
      unknown
    >;
    expect(detailed).toMatchObject({
      id: athleteId,
      resource_state: 3,
      measurement_preference: 'meters',
    });
  });

  it("totals the athlete's public runs, rides and swims", async () => {
    const response = await get(`/athletes/${athleteId}/stats`);
    expect(response.status).toBe(200);
    const stats = (await response.json()) as Record<string, Record<string, number>>;
    const publicRuns = sim
      .activitiesOf(athleteId)
      .filter(
        (a) =>
          ['Run', 'TrailRun', 'VirtualRun'].includes(a.sportType) && a.visibility === 'everyone',
      );
    expect(stats.all_run_totals).toMatchObject({
      count: publicRuns.length,
      distance: Math.round(publicRuns.reduce((sum, a) => sum + a.distanceM, 0)),
      moving_time: publicRuns.reduce((sum, a) => sum + a.movingTimeS, 0),
    });
    const allRuns = sim
      .activitiesOf(athleteId)
      .filter((a) => ['Run', 'TrailRun', 'VirtualRun'].includes(a.sportType));
    expect(stats.all_run_totals!.count).toBeLessThan(allRuns.length);
    for (const key of [
      'recent_run_totals',
      'ytd_run_totals',
      'all_ride_totals',
      'all_swim_totals',
    ]) {
      expect(Object.keys(stats[key]!)).toEqual(
        expect.arrayContaining([
          'count',
          'distance',
          'moving_time',
          'elapsed_time',
          'elevation_gain',
        ]),
      );
    }
    expect(stats.recent_run_totals).toHaveProperty('achievement_count');
  });

  it("refuses another athlete's stats", async () => {
    const other = sim.addAthlete({ seed: 'stats-other', activityCount: 3 });
    expect((await get(`/athletes/${other.id}/stats`)).status).toBe(403);
  });
});

describe('authentication errors', () => {
  it('answers 401 with the real bodies: unknown token, expired token', async () => {
    const unknown = await get('/athlete', 'deadbeefd7ab44704fb2a146bd98c7a349a2b43d');
    expect(unknown.status).toBe(401);
    expect(await unknown.text()).toBe(readApiSampleText('strava_401_authorization_error.json'));
    const missing = await fetch(`${env.url}/api/v3/athlete`);
    expect(missing.status).toBe(401);

    clock.advance(6 * 3600_000 + 1000);
    const expired = await get('/athlete');
    expect(expired.status).toBe(401);
    expect(await expired.text()).toBe(readApiSampleText('strava_401_invalid_access_token.json'));
  });

  it('answers 403 for an application whose access is inactive', async () => {
    sim.defaultApp.active = false;
    const response = await get('/athlete/activities');
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({
      message: 'Forbidden',
      errors: [{ resource: 'Application', field: 'Status', code: 'Inactive' }],
    });
  });

  it('answers an unknown path with a 404 that still carries rate-limit headers', async () => {
    const response = await get('/segments/starred');
    expect(response.status).toBe(404);
    expect(response.headers.get('x-ratelimit-limit')).toBe('200,2000');
  });
});
