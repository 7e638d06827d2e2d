import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityRow } from '../../src/core/activity.ts';
import { isRunActivity, parseActivityOrReject } from '../../src/core/transform-activity.ts';
import { fetchSlice, startCursor, type WalkCursor } from '../../src/strava/activity-walk.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { type StravaHarness, startStravaHarness } from '../support/strava-harness.ts';

const USER_ID = '00000000-0000-4000-8000-000000000001';

/** Every data-quality rule, on the simulator's planted edge cases, through HTTP and the client. */
describe('data quality on the generator’s edge cases', () => {
  let t: TestDatabase;
  let h: StravaHarness;
  const rows = new Map<string, ActivityRow>();
  let rejected = 0;

  beforeAll(async () => {
    t = await createTestDatabase('pglite');
    h = await startStravaHarness(t.db, { activityCount: 200 });
    const token = h.sim.issueTokens(Number(h.athleteId), [
      'read',
      'activity:read_all',
    ]).access_token;
    let cursor: WalkCursor | null = startCursor(h.clock.now());
    while (cursor) {
      const slice = await fetchSlice((p) => h.client.listActivities(token, p), cursor, 200);
      for (const raw of slice.records) {
        const parsed = parseActivityOrReject(raw, USER_ID);
        if (parsed.ok) rows.set(parsed.row.id, parsed.row);
        else rejected++;
      }
      cursor = slice.next;
    }
  });
  afterAll(async () => {
    await h.close();
    await t.dispose();
  });

  const sim = () => h.sim.activitiesOf(Number(h.athleteId));
  const rowFor = (predicate: (a: ReturnType<typeof sim>[number]) => boolean) => {
    const activity = sim().find(predicate);
    expect(activity, 'edge case planted').toBeDefined();
    return rows.get(String(activity!.id))!;
  };

  it('keeps every record: edge cases are flagged, not dropped', () => {
    expect(rejected).toBe(0);
    expect(rows.size).toBe(sim().length);
  });

  it('no GPS (null, [], [0,0]) → flagged, nothing to enrich', () => {
    for (const row of [
      rowFor((a) => a.startLatLng === null && !a.manual),
      rowFor(
        (a) => Array.isArray(a.startLatLng) && a.startLatLng[0] === 0 && a.startLatLng[1] === 0,
      ),
      rowFor((a) => a.trainer && Array.isArray(a.startLatLng) && a.startLatLng.length === 0),
      rowFor((a) => a.manual),
    ]) {
      expect(row.quality_flags).toContain('no_gps');
      expect(row).toMatchObject({
        weather_status: 'not_applicable',
        place_status: 'not_applicable',
      });
    }
  });

  it('zero distance, impossible pace and elapsed-below-moving are flagged', () => {
    expect(rowFor((a) => a.sportType === 'Run' && a.distanceM === 0).quality_flags).toContain(
      'zero_distance',
    );
    expect(
      rowFor((a) => a.sportType === 'Run' && a.distanceM / a.movingTimeS > 7).quality_flags,
    ).toContain('impossible_pace');
    expect(rowFor((a) => a.elapsedTimeS < a.movingTimeS).quality_flags).toContain(
      'impossible_pace',
    );
  });

  it('unicode and 300-character names are kept whole; the long one is flagged', () => {
    const unicode = rowFor((a) => a.name.includes('東京'));
    expect(unicode.name).toContain('🏃');
    const long = rowFor((a) => [...a.name].length === 300);
    expect([...long.name]).toHaveLength(300);
    expect(long.quality_flags).toContain('name_too_long');
  });

  it('two runs starting in the same second are both kept', () => {
    const byStart = new Map<string, string[]>();
    for (const row of rows.values())
      byStart.set(row.start_date, [...(byStart.get(row.start_date) ?? []), row.id]);
    expect([...byStart.values()].some((ids) => ids.length >= 2)).toBe(true);
  });

  it('a run in Auckland at dawn keeps its local date, a day after its UTC date', () => {
    const row = rowFor(
      (a) => a.timeZone === 'Pacific/Auckland' && new Date(a.startMs).getUTCHours() >= 12,
    );
    expect(row.timezone).toBe('Pacific/Auckland');
    expect(row.start_date_local.slice(0, 10)).not.toBe(row.start_date.slice(0, 10));
  });

  it('an upload id beyond 2^53 does not disturb the record', () => {
    const row = rowFor((a) => a.uploadId !== null && BigInt(a.uploadId) > 2n ** 53n);
    expect(row.id).toMatch(/^\d+$/);
  });

  it('only runs are kept for the runner, whatever else the athlete records', () => {
    const sports = new Set([...rows.values()].map((r) => r.sport_type));
    expect(sports.size).toBeGreaterThan(3);
    const runs = [...rows.values()].filter((r) => isRunActivity(r));
    expect(new Set(runs.map((r) => r.sport_type))).toEqual(
      new Set(['Run', 'TrailRun', 'VirtualRun']),
    );
  });
});
