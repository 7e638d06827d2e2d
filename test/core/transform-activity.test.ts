import { describe, expect, it } from 'vitest';
import { type ActivityRow, activityRowSchema } from '../../src/core/activity.ts';
import { stravaSummaryActivitySchema } from '../../src/core/strava-activity.ts';
import {
  evaluateQuality,
  isRunActivity,
  parseActivityOrReject,
  toActivityRow,
} from '../../src/core/transform-activity.ts';
import { ACTIVITY_PAGE_SAMPLES, readActivityPage } from '../support/api-samples.ts';

const USER_ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const [realRun] = readActivityPage('strava_athlete_activities_page_real_2025.json');
const [swaggerRide, swaggerRide2] = readActivityPage(
  'strava_athlete_activities_page_swagger_example.json',
);

/** The real 2025 run with some fields replaced (or removed when given `undefined`). */
function runWith(changes: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...structuredClone(realRun), ...changes };
  for (const [key, value] of Object.entries(changes)) if (value === undefined) delete copy[key];
  return copy;
}

/** Parses and asserts success; every accepted row must also satisfy the row schema. */
function rowOf(raw: unknown): ActivityRow {
  const result = parseActivityOrReject(raw, USER_ID);
  if (!result.ok) throw new Error(`unexpected reject: ${result.reason}`);
  expect(activityRowSchema.safeParse(result.row).success).toBe(true);
  return result.row;
}

describe('every activity in the API samples', () => {
  const samples = ACTIVITY_PAGE_SAMPLES.flatMap((file) =>
    readActivityPage(file).map((raw, index) => [`${file}[${index}]`, raw] as const),
  );

  it('holds three activities', () => {
    expect(samples).toHaveLength(3);
  });

  it.each(samples)('%s parses, transforms and passes activityRowSchema', (_name, raw) => {
    const summary = stravaSummaryActivitySchema.parse(raw);
    const row = toActivityRow(summary, USER_ID);
    expect(activityRowSchema.parse(row)).toEqual(row);
    expect(parseActivityOrReject(raw, USER_ID)).toEqual({ ok: true, row });
  });
});

describe('the real 2025 Run', () => {
  const row = rowOf(realRun);

  it('maps every column to concrete values', () => {
    expect(row).toMatchObject({
      id: '16195505756',
      user_id: USER_ID,
      athlete_id: '26462176',
      name: 'Should Not Have',
      sport_type: 'Run',
      start_date: '2025-10-19T20:00:00Z',
      start_date_local: '2025-10-19T16:00:00',
      timezone: 'America/New_York',
      utc_offset_s: -14400,
      distance_m: 6764.8,
      moving_time_s: 2151,
      elapsed_time_s: 2178,
      total_elevation_gain_m: 34,
      elev_high_m: 15,
      elev_low_m: -6.2,
      average_speed_mps: 3.145,
      max_speed_mps: 11.486,
      average_heartrate_bpm: 146.8,
      max_heartrate_bpm: 162,
      average_cadence_rpm: 78.4,
      start_lat: 40.75533,
      start_lng: -74.002571,
      end_lat: 40.754903,
      end_lng: -74.002226,
      is_manual: false,
      is_trainer: false,
      is_commute: false,
      is_private: false,
      weather_status: 'pending',
      place_status: 'pending',
      quality_flags: [],
    });
    expect(row.summary_polyline).toMatch(/^y_wwFbstbM/);
  });

  it('keeps the whole summary, unknown fields included, with ids as strings', () => {
    expect(row.strava_summary).toMatchObject({
      id: '16195505756',
      athlete: { id: '26462176', resource_state: 1 },
      gear_id: 'g26020551',
      suffer_score: 76,
      upload_id_str: '17279496051',
    });
  });

  it('is a run', () => {
    expect(isRunActivity(row)).toBe(true);
  });
});

describe('the swagger MountainBikeRide pair', () => {
  it('keeps the 15-digit id exactly and tolerates an upload_id beyond 2^53', () => {
    expect(Number.isSafeInteger(swaggerRide?.upload_id)).toBe(false);
    const row = rowOf(swaggerRide);
    expect(row.id).toBe('154504250376823');
    expect(row.athlete_id).toBe('134815');
    expect(row.strava_summary.upload_id).toBe(swaggerRide?.upload_id);
  });

  it('has no GPS and is a trainer ride, so nothing to enrich', () => {
    const row = rowOf(swaggerRide);
    expect(row).toMatchObject({
      sport_type: 'MountainBikeRide',
      start_date: '2018-05-02T12:15:09Z',
      start_date_local: '2018-05-02T05:15:09',
      timezone: 'America/Los_Angeles',
      utc_offset_s: -25200,
      start_lat: null,
      start_lng: null,
      end_lat: null,
      end_lng: null,
      summary_polyline: null,
      is_trainer: true,
      weather_status: 'not_applicable',
      place_status: 'not_applicable',
      quality_flags: ['no_gps'],
    });
    expect(isRunActivity(row)).toBe(false);
  });

  it('maps the second ride too', () => {
    const row = rowOf(swaggerRide2);
    expect(row).toMatchObject({ id: '1234567809', distance_m: 23676.5, max_heartrate_bpm: 183 });
  });
});

describe('pace slower than walking', () => {
  it('flags a run averaging under 0.8 m/s over 400 m or more', () => {
    const row = rowOf(runWith({ distance: 5000, moving_time: 7000, elapsed_time: 7000 }));
    expect(row.quality_flags).toEqual(['implausibly_slow']);
  });

  it('does not judge short efforts or other sports', () => {
    expect(
      rowOf(runWith({ distance: 300, moving_time: 1000, elapsed_time: 1000 })).quality_flags,
    ).toEqual([]);
    expect(
      rowOf(
        runWith({
          sport_type: 'Hike',
          type: 'Hike',
          distance: 5000,
          moving_time: 7000,
          elapsed_time: 7000,
        }),
      ).quality_flags,
    ).toEqual([]);
  });
});

describe('coordinates', () => {
  it.each([
    ['[]', []],
    ['[0, 0]', [0, 0]],
    ['null', null],
    ['missing', undefined],
  ])('start %s → no GPS, nothing to enrich', (_label, latlng) => {
    const row = rowOf(runWith({ start_latlng: latlng }));
    expect(row).toMatchObject({
      start_lat: null,
      start_lng: null,
      weather_status: 'not_applicable',
      place_status: 'not_applicable',
      quality_flags: ['no_gps'],
    });
  });

  it.each([
    ['latitude out of range', [91, 10]],
    ['longitude out of range', [45, -181]],
  ])('start %s → no GPS, and flagged as out of range', (_label, latlng) => {
    const row = rowOf(runWith({ start_latlng: latlng }));
    expect(row).toMatchObject({
      start_lat: null,
      weather_status: 'not_applicable',
      quality_flags: ['no_gps', 'coordinates_out_of_range'],
    });
  });

  it('flags an out-of-range end point while keeping the start', () => {
    const row = rowOf(runWith({ end_latlng: [12, 200] }));
    expect(row).toMatchObject({
      start_lat: 40.75533,
      end_lat: null,
      quality_flags: ['coordinates_out_of_range'],
    });
  });

  it('keeps a real start when only the end is missing', () => {
    const row = rowOf(runWith({ end_latlng: [] }));
    expect(row).toMatchObject({ start_lat: 40.75533, end_lat: null, weather_status: 'pending' });
  });

  it('keeps a point on the equator or the prime meridian (only exactly 0,0 is no GPS)', () => {
    const row = rowOf(runWith({ start_latlng: [0, 9.5] }));
    expect(row).toMatchObject({ start_lat: 0, start_lng: 9.5, weather_status: 'pending' });
  });

  it('rejects a one-element pair as malformed', () => {
    const result = parseActivityOrReject(runWith({ start_latlng: [40.7] }), USER_ID);
    expect(result).toMatchObject({ ok: false, code: 'strava_summary_invalid' });
  });
});

describe('enrichment status at ingest', () => {
  it.each([
    ['a trainer run', { trainer: true }],
    ['a manual entry', { manual: true }],
    ['a VirtualRun', { sport_type: 'VirtualRun' }],
  ])('%s with coordinates is not_applicable', (_label, changes) => {
    const row = rowOf(runWith(changes));
    expect(row.start_lat).toBe(40.75533);
    expect(row.weather_status).toBe('not_applicable');
    expect(row.place_status).toBe('not_applicable');
  });
});

describe('quality flags', () => {
  it('flags zero distance', () => {
    expect(rowOf(runWith({ distance: 0 })).quality_flags).toEqual(['zero_distance']);
  });

  it('flags a run faster than 7 m/s over at least 400 m', () => {
    const row = rowOf(runWith({ distance: 5000, moving_time: 600, elapsed_time: 600 }));
    expect(row.quality_flags).toEqual(['impossible_pace']);
  });

  it.each([
    ['exactly 7 m/s', { distance: 4200, moving_time: 600, elapsed_time: 600 }],
    ['a sprint under 400 m', { distance: 399, moving_time: 30, elapsed_time: 30 }],
    ['a fast ride', { sport_type: 'Ride', distance: 50000, moving_time: 3600, elapsed_time: 3600 }],
  ])('does not flag %s', (_label, changes) => {
    expect(rowOf(runWith(changes)).quality_flags).toEqual([]);
  });

  it('flags elapsed time shorter than moving time as impossible', () => {
    const row = rowOf(runWith({ moving_time: 2200, elapsed_time: 2178 }));
    expect(row.quality_flags).toEqual(['impossible_pace']);
  });

  it('flags zero duration', () => {
    const row = rowOf(runWith({ distance: 0, moving_time: 0, elapsed_time: 0 }));
    expect(row.quality_flags).toEqual(['zero_distance', 'zero_duration']);
  });

  it('reports several flags in a stable order', () => {
    expect(
      evaluateQuality({
        name: 'x'.repeat(256),
        sport_type: 'Run',
        distance_m: 0,
        moving_time_s: 10,
        elapsed_time_s: 0,
        start_lat: null,
        start_lng: null,
      }),
    ).toEqual(['zero_distance', 'no_gps', 'impossible_pace', 'zero_duration', 'name_too_long']);
  });

  it('judges pace against the configured run sport types', () => {
    const walk = {
      name: 'Walk',
      sport_type: 'Walk',
      distance_m: 5000,
      moving_time_s: 600,
      elapsed_time_s: 600,
      start_lat: 1,
      start_lng: 1,
    };
    expect(evaluateQuality(walk)).toEqual([]);
    expect(evaluateQuality(walk, ['Run', 'Walk'])).toEqual(['impossible_pace']);
  });
});

describe('names', () => {
  it('keeps unicode exactly', () => {
    const name = '🏃‍♀️ Morgenlauf — Zürich → 東京 ✨';
    const row = rowOf(runWith({ name }));
    expect(row.name).toBe(name);
    expect(row.quality_flags).toEqual([]);
  });

  it('keeps a 1,000-character name whole and flags it', () => {
    const name = 'a'.repeat(1000);
    const row = rowOf(runWith({ name }));
    expect(row.name).toBe(name);
    expect(row.quality_flags).toEqual(['name_too_long']);
  });

  it('counts characters, not UTF-16 units: 255 emoji are not too long', () => {
    expect(rowOf(runWith({ name: '🏃'.repeat(255) })).quality_flags).toEqual([]);
    expect(rowOf(runWith({ name: '🏃'.repeat(256) })).quality_flags).toEqual(['name_too_long']);
  });

  it('accepts an empty name', () => {
    expect(rowOf(runWith({ name: '' })).name).toBe('');
  });
});

describe('ids', () => {
  it('accepts ids as decimal strings, including beyond 2^53', () => {
    const row = rowOf(runWith({ id: '9007199254740993', athlete: { id: '26462176' } }));
    expect(row.id).toBe('9007199254740993');
    expect(row.athlete_id).toBe('26462176');
  });

  it('rejects an id number that is not a safe integer, with a reason and no guessed id', () => {
    const result = parseActivityOrReject(runWith({ id: 2 ** 53 + 2 }), USER_ID);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.code).toBe('strava_summary_invalid');
    expect(result.reason).toMatch(/^Strava activity is invalid: id: .*safe integer/);
    expect(result.stravaId).toBeUndefined();
  });

  it.each([
    ['zero', 0],
    ['negative', -5],
    ['fractional', 1.5],
    ['non-decimal string', '0x1f'],
    ['string beyond bigint', '9223372036854775808'],
    ['boolean', true],
  ])('rejects a %s id', (_label, id) => {
    expect(parseActivityOrReject(runWith({ id }), USER_ID)).toMatchObject({
      ok: false,
      code: 'strava_summary_invalid',
    });
  });

  it('rejects an unsafe athlete id but names the activity', () => {
    const result = parseActivityOrReject(runWith({ athlete: { id: 2 ** 60 } }), USER_ID);
    expect(result).toMatchObject({ ok: false, stravaId: '16195505756' });
    expect(!result.ok && result.reason).toContain('athlete.id');
  });
});

describe('rejects', () => {
  it('rejects a missing start_date, naming the field and the activity', () => {
    const result = parseActivityOrReject(runWith({ start_date: undefined }), USER_ID);
    expect(result).toMatchObject({
      ok: false,
      code: 'strava_summary_invalid',
      stravaId: '16195505756',
    });
    expect(!result.ok && result.reason).toContain('start_date');
  });

  it.each([
    ['a start_date without a zone', { start_date: '2025-10-19T20:00:00' }],
    ['a garbage start_date_local', { start_date_local: 'yesterday' }],
    ['a missing sport_type', { sport_type: undefined }],
    ['a string distance', { distance: '6764.8' }],
    ['a missing athlete', { athlete: undefined }],
  ])('rejects %s', (_label, changes) => {
    expect(parseActivityOrReject(runWith(changes), USER_ID)).toMatchObject({
      ok: false,
      code: 'strava_summary_invalid',
    });
  });

  it.each([null, undefined, 'activity', 42, []])('returns a reject for %j, never throws', (raw) => {
    expect(parseActivityOrReject(raw, USER_ID)).toMatchObject({
      ok: false,
      code: 'strava_summary_invalid',
    });
  });

  it('rejects values the row schema forbids (negative distance) as row_invalid', () => {
    const result = parseActivityOrReject(runWith({ distance: -1 }), USER_ID);
    expect(result).toMatchObject({ ok: false, code: 'row_invalid', stravaId: '16195505756' });
    expect(!result.ok && result.reason).toMatch(/^activity row is invalid: distance_m: /);
  });

  it('rejects a malformed user id as row_invalid', () => {
    expect(parseActivityOrReject(realRun, 'user-1')).toMatchObject({
      ok: false,
      code: 'row_invalid',
    });
  });
});

describe('tolerance', () => {
  it('stores missing measurements as null', () => {
    const row = rowOf(
      runWith({
        average_heartrate: undefined,
        max_heartrate: undefined,
        average_cadence: null,
        elev_high: undefined,
        elev_low: undefined,
        total_elevation_gain: null,
        timezone: undefined,
        utc_offset: undefined,
        map: undefined,
        type: undefined,
        upload_id: null,
      }),
    );
    expect(row).toMatchObject({
      average_heartrate_bpm: null,
      max_heartrate_bpm: null,
      average_cadence_rpm: null,
      elev_high_m: null,
      elev_low_m: null,
      total_elevation_gain_m: null,
      timezone: null,
      utc_offset_s: null,
      summary_polyline: null,
    });
  });

  it('rounds float offsets and durations into their integer columns', () => {
    const row = rowOf(runWith({ utc_offset: 19800.0, moving_time: 2150.6, elapsed_time: 2178.4 }));
    expect(row).toMatchObject({ utc_offset_s: 19800, moving_time_s: 2151, elapsed_time_s: 2178 });
  });

  it('drops an unknown timezone to null but keeps the activity', () => {
    const row = rowOf(runWith({ timezone: '(GMT-05:00) Gotham/City' }));
    expect(row.timezone).toBeNull();
    expect(row.utc_offset_s).toBe(-14400);
  });

  it('keeps local wall time whatever suffix Strava sends', () => {
    expect(rowOf(runWith({ start_date_local: '2025-10-19T16:00:00' })).start_date_local).toBe(
      '2025-10-19T16:00:00',
    );
    expect(
      rowOf(runWith({ start_date_local: '2025-10-19T16:00:00.000-04:00' })).start_date_local,
    ).toBe('2025-10-19T16:00:00');
  });

  it('normalises a start_date with an offset to UTC', () => {
    expect(rowOf(runWith({ start_date: '2025-10-19T16:00:00-04:00' })).start_date).toBe(
      '2025-10-19T20:00:00Z',
    );
  });

  it('treats visibility only_me as private', () => {
    expect(rowOf(runWith({ private: undefined, visibility: 'only_me' })).is_private).toBe(true);
    expect(rowOf(runWith({ private: true })).is_private).toBe(true);
  });

  it('defaults missing booleans to false', () => {
    const row = rowOf(
      runWith({ trainer: undefined, commute: undefined, manual: undefined, private: undefined }),
    );
    expect(row).toMatchObject({
      is_trainer: false,
      is_commute: false,
      is_manual: false,
      is_private: false,
    });
  });
});

describe('isRunActivity', () => {
  it.each([
    ['Run', true],
    ['TrailRun', true],
    ['VirtualRun', true],
    ['Ride', false],
    ['Walk', false],
    ['run', false],
  ])('%s → %s', (sportType, expected) => {
    expect(isRunActivity({ sport_type: sportType })).toBe(expected);
  });

  it('honours a configured list', () => {
    expect(isRunActivity({ sport_type: 'Walk' }, ['Run', 'Walk'])).toBe(true);
    expect(isRunActivity({ sport_type: 'VirtualRun' }, ['Run'])).toBe(false);
  });
});

describe('activityRowSchema', () => {
  const row = rowOf(realRun);

  it.each([
    ['(0, 0) coordinates', { start_lat: 0, start_lng: 0 }],
    ['half a coordinate pair', { end_lng: null }],
    ['a latitude beyond 90', { start_lat: 90.5 }],
    ['a longitude beyond 180', { end_lng: 180.5 }],
    ['a zoned local time', { start_date_local: '2025-10-19T16:00:00Z' }],
    ['a non-UTC start_date', { start_date: '2025-10-19T16:00:00-04:00' }],
    ['a fractional duration', { moving_time_s: 2151.5 }],
    ['a numeric id', { id: 16195505756 }],
    ['an unknown quality flag', { quality_flags: ['suspicious'] }],
    ['an unknown enrichment status', { weather_status: 'done' }],
    ['a fake time zone', { timezone: 'Mars/Olympus_Mons' }],
    ['an offset beyond 18 h', { utc_offset_s: 18 * 3600 + 1 }],
  ])('rejects %s', (_label, change) => {
    expect(activityRowSchema.safeParse({ ...row, ...change }).success).toBe(false);
  });

  it('accepts statuses set after enrichment', () => {
    const enriched = { ...row, weather_status: 'enriched', place_status: 'unavailable' };
    expect(activityRowSchema.safeParse(enriched).success).toBe(true);
  });
});
