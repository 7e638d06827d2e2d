import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fetchSlice, startCursor, type WalkCursor } from '../../src/strava/activity-walk.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { type StravaHarness, startStravaHarness } from '../support/strava-harness.ts';

describe('walking the activity list with a time cursor, against the simulator', () => {
  let t: TestDatabase;
  let h: StravaHarness;
  let token: string;
  let athlete: number;

  beforeAll(async () => {
    t = await createTestDatabase('pglite');
    h = await startStravaHarness(t.db, { activityCount: 150 });
    athlete = Number(h.athleteId);
  });
  beforeEach(() => {
    h.sim.reset();
    token = h.sim.issueTokens(athlete, ['read', 'activity:read_all']).access_token;
  });
  afterAll(async () => {
    await h.close();
    await t.dispose();
  });

  const list = (params: { before?: number; after?: number; perPage: number }) =>
    h.client.listActivities(token, params);

  async function walk(
    perPage: number,
    cursor: WalkCursor,
    betweenSlices: (slice: number) => void = () => {},
  ) {
    const ids: string[] = [];
    let next: WalkCursor | null = cursor;
    for (let slice = 1; next; slice++) {
      const result = await fetchSlice(list, next, perPage);
      ids.push(...result.records.map((r) => String((r as { id: number }).id)));
      next = result.next;
      betweenSlices(slice);
      if (slice > 100) throw new Error('walk does not end');
    }
    return ids;
  }

  const allIds = () => h.sim.activitiesOf(athlete).map((a) => String(a.id));

  it('lists every activity exactly once, including ones that share a start second', async () => {
    const starts = h.sim.activitiesOf(athlete).map((a) => a.startMs);
    expect(new Set(starts).size).toBeLessThan(starts.length);
    const ids = await walk(20, startCursor(h.clock.now()));
    expect(ids).toHaveLength(new Set(ids).size);
    expect([...ids].sort()).toEqual(allIds().sort());
  });

  it('stays exact when activities are deleted and added during the walk', async () => {
    const before = h.sim.activitiesOf(athlete);
    const deleted: string[] = [];
    const ids = await walk(25, startCursor(h.clock.now()), (slice) => {
      if (slice !== 1) return;
      // Delete three old activities the walk has not reached, and add two new ones on top:
      // with page numbers, every later page would shift and the walk would skip records.
      for (const victim of before.slice(5, 8)) {
        h.sim.deleteActivity(victim.id);
        deleted.push(String(victim.id));
      }
      h.clock.advance(60_000);
      h.sim.createActivity(athlete, { name: 'Fresh run 1' });
      h.sim.createActivity(athlete, { name: 'Fresh run 2' });
    });
    const expected = before.map((a) => String(a.id)).filter((id) => !deleted.includes(id));
    expect(ids).toHaveLength(new Set(ids).size);
    expect([...ids].sort()).toEqual(expected.sort());
  });

  it('walks only what started after the floor, whichever order Strava lists in', async () => {
    const activities = h.sim.activitiesOf(athlete);
    const floorMs = activities[Math.floor(activities.length / 2)]!.startMs;
    const after = Math.floor(floorMs / 1000);
    const expected = activities
      .filter((a) => Math.floor(a.startMs / 1000) > after)
      .map((a) => String(a.id));
    for (const order of ['ascending', 'descending'] as const) {
      h.sim.knobs.afterOnlyOrder = order;
      const ids = await walk(15, startCursor(h.clock.now(), after));
      expect([...ids].sort()).toEqual([...expected].sort());
    }
  });

  it('costs one request per page', async () => {
    await walk(50, startCursor(h.clock.now()));
    const pages = Math.floor(150 / 50) + 1;
    expect(h.sim.inspect().byEndpoint['GET /api/v3/athlete/activities']).toEqual({ '200': pages });
  });
});
