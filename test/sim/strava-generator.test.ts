import { describe, expect, it } from 'vitest';
import { nearestPlace } from '../../sim/places.ts';
import { summaryActivityJson } from '../../sim/strava/activity-json.ts';
import { createStravaSimulator } from '../../sim/strava/index.ts';
import { decodePolyline } from '../../sim/strava/polyline.ts';
import { stringifyStrava } from '../../sim/strava/strava-json.ts';
import { createManualClock } from '../../src/core/clock.ts';
import { parseActivityOrReject } from '../../src/core/transform-activity.ts';
import { hasGps, NOW } from './strava-helpers.ts';

const USER_ID = '00000000-0000-4000-8000-000000000001';
const OPTIONS = { seed: 'generator-test', activityCount: 400, years: 4 };

function generate(
  options: Parameters<ReturnType<typeof createStravaSimulator>['addAthlete']>[0] = OPTIONS,
) {
  const sim = createStravaSimulator({ clock: createManualClock(NOW) });
  const athlete = sim.addAthlete(options);
  return { sim, athlete, activities: sim.activitiesOf(athlete.id) };
}

describe('athlete generator', () => {
  it('gives the same athlete and activities for the same seed, and others for another seed', () => {
    const first = generate();
    const second = generate();
    expect(second.athlete).toEqual(first.athlete);
    expect(second.activities).toEqual(first.activities);
    expect(stringifyStrava(second.activities.map(summaryActivityJson))).toBe(
      stringifyStrava(first.activities.map(summaryActivityJson)),
    );
    const other = generate({ ...OPTIONS, seed: 'someone-else' });
    expect(other.athlete.id).not.toBe(first.athlete.id);
    expect(other.activities.map((a) => a.id)).not.toEqual(first.activities.map((a) => a.id));
  });

  it('spreads N activities over Y years, none in the future, oldest first', () => {
    const { activities } = generate();
    expect(activities).toHaveLength(400);
    const now = Date.parse(NOW);
    const first = activities[0]!.startMs;
    const last = activities.at(-1)!.startMs;
    expect(now - first).toBeGreaterThan(3.8 * 365 * 86_400_000);
    expect(now - first).toBeLessThanOrEqual(4 * 365.25 * 86_400_000 + 86_400_000);
    expect(last + activities.at(-1)!.elapsedTimeS * 1000).toBeLessThan(now);
    for (let i = 1; i < activities.length; i++) {
      expect(activities[i]!.startMs).toBeGreaterThanOrEqual(activities[i - 1]!.startMs);
    }
  });

  it('gives unique, realistic ids below 2^53', () => {
    const sim = createStravaSimulator({ clock: createManualClock(NOW) });
    const a = sim.addAthlete({ seed: 'ids-1', activityCount: 300 });
    const b = sim.addAthlete({ seed: 'ids-2', activityCount: 300 });
    const ids = [...sim.activitiesOf(a.id), ...sim.activitiesOf(b.id)].map((x) => x.id);
    expect(new Set(ids).size).toBe(600);
    for (const id of ids) {
      expect(Number.isSafeInteger(id)).toBe(true);
      expect(String(id)).toMatch(/^\d{10,16}$/);
    }
    expect(String(a.id)).toMatch(/^\d{7,9}$/);
  });

  it('mixes sport types, mostly runs', () => {
    const { activities } = generate();
    const counts = new Map<string, number>();
    for (const a of activities) counts.set(a.sportType, (counts.get(a.sportType) ?? 0) + 1);
    for (const type of ['Run', 'TrailRun', 'VirtualRun', 'Ride', 'Swim', 'Walk']) {
      expect(counts.get(type) ?? 0, type).toBeGreaterThan(0);
    }
    expect(counts.get('Run')! / activities.length).toBeGreaterThan(0.35);
  });

  it('starts GPS activities within a few km of a place the geocoding simulator knows', () => {
    const { athlete, activities } = generate();
    const real = activities
      .filter(hasGps)
      .filter(
        (a) =>
          !a.sportType.startsWith('Virtual') && !(a.startLatLng[0] === 0 && a.startLatLng[1] === 0),
      );
    expect(real.length).toBeGreaterThan(200);
    const places = new Set<string>();
    const zones = new Set<string>();
    for (const a of real) {
      const lat = a.startLatLng[0];
      const lng = a.startLatLng[1];
      const place = nearestPlace({ lat, lng }, 6_000);
      expect(place, `${a.id} at ${lat},${lng}`).toBeDefined();
      expect(a.timeZone).toBe(place!.timezone);
      places.add(place!.name);
      zones.add(a.timeZone);
    }
    for (const home of athlete.homePlaces) expect(places).toContain(home);
    const latitudes = real.map((a) => a.startLatLng[0]);
    expect(Math.min(...latitudes)).toBeLessThan(0);
    expect(Math.max(...latitudes)).toBeGreaterThan(0);
    expect(zones.size).toBeGreaterThanOrEqual(3);
  });

  it('honours home places given by name', () => {
    const { athlete, activities } = generate({
      seed: 'homes',
      activityCount: 100,
      homePlaces: ['Boulder'],
    });
    expect(athlete).toMatchObject({ city: 'Boulder', state: 'Colorado', homePlaces: ['Boulder'] });
    const boulder = activities.filter((a) => a.timeZone === 'America/Denver');
    expect(boulder.length).toBeGreaterThan(60);
    expect(() => generate({ seed: 'x', homePlaces: ['Atlantis'] })).toThrow(
      /no place named 'Atlantis'/,
    );
  });

  it('draws routes around the start point', () => {
    const { activities } = generate();
    const run = activities.find((a) => hasGps(a) && a.sportType === 'Run' && a.polyline)!;
    const points = decodePolyline(run.polyline!);
    expect(points.length).toBeGreaterThan(5);
    expect(points[0]![0]).toBeCloseTo((run.startLatLng as number[])[0]!, 4);
    expect(points[0]![1]).toBeCloseTo((run.startLatLng as number[])[1]!, 4);
  });

  it('plants every edge case, and each still parses as a Strava activity', () => {
    const { activities } = generate();
    const find = (predicate: (a: (typeof activities)[number]) => boolean) =>
      activities.filter(predicate);
    expect(find((a) => a.startLatLng === null && !a.manual).length).toBeGreaterThanOrEqual(1);
    expect(
      find((a) => a.trainer && Array.isArray(a.startLatLng) && a.startLatLng.length === 0).length,
    ).toBeGreaterThanOrEqual(1);
    expect(find((a) => a.distanceM === 0 && a.sportType === 'Run').length).toBeGreaterThanOrEqual(
      1,
    );
    expect(
      find((a) => a.sportType === 'Run' && a.distanceM / a.movingTimeS > 7).length,
    ).toBeGreaterThanOrEqual(1);
    expect(find((a) => a.name.includes('東京') && a.name.includes('🏃')).length).toBe(1);
    expect(find((a) => [...a.name].length === 300).length).toBe(1);
    expect(find((a) => a.manual && a.uploadId === null).length).toBeGreaterThanOrEqual(1);
    expect(
      find((a) => Array.isArray(a.startLatLng) && a.startLatLng[0] === 0 && a.startLatLng[1] === 0),
    ).toHaveLength(1);
    expect(find((a) => a.elapsedTimeS < a.movingTimeS).length).toBeGreaterThanOrEqual(1);
    const starts = activities.map((a) => a.startMs);
    expect(new Set(starts).size).toBeLessThan(starts.length);
    const huge = find((a) => a.uploadId !== null && BigInt(a.uploadId) > 2n ** 53n);
    expect(huge).toHaveLength(1);
    const auckland = find(
      (a) => a.timeZone === 'Pacific/Auckland' && summaryActivityJson(a).start_date !== undefined,
    ).filter((a) => {
      const json = summaryActivityJson(a);
      return String(json.start_date).slice(0, 10) !== String(json.start_date_local).slice(0, 10);
    });
    expect(auckland.length).toBeGreaterThanOrEqual(1);

    for (const activity of activities) {
      const parsed = parseActivityOrReject(
        JSON.parse(stringifyStrava(summaryActivityJson(activity))),
        USER_ID,
      );
      expect(parsed.ok, `${activity.id}: ${parsed.ok ? '' : parsed.reason}`).toBe(true);
    }
  });

  it('writes an upload_id beyond 2^53 with all its digits, plus upload_id_str', () => {
    const { activities } = generate();
    const huge = activities.find((a) => a.uploadId !== null && a.uploadId.length > 16)!;
    const text = stringifyStrava(summaryActivityJson(huge));
    expect(text).toContain(`"upload_id":${huge.uploadId},"upload_id_str":"${huge.uploadId}"`);
    expect(huge.uploadId).toMatch(/^9\d{20}$/);
  });

  it('skips edge cases when asked, and uses the sport weights given', () => {
    const { activities } = generate({
      seed: 'plain',
      activityCount: 60,
      edgeCases: false,
      sportWeights: {
        Run: 1,
        TrailRun: 0,
        VirtualRun: 0,
        Ride: 0,
        VirtualRide: 0,
        Swim: 0,
        Walk: 0,
        Hike: 0,
        WeightTraining: 0,
        Yoga: 0,
      },
    });
    expect(new Set(activities.map((a) => a.sportType))).toEqual(new Set(['Run']));
    expect(activities.some((a) => [...a.name].length === 300)).toBe(false);
  });
});
