import { createHash } from 'node:crypto';
import { legacyTypeOf } from './sports.ts';
import { bigInteger, float } from './strava-json.ts';
import { isoSeconds, localIso, offsetSecondsAt, stravaTimezoneName } from './time-zones.ts';
import type { SimActivity } from './types.ts';

/**
 * SummaryActivity as GET /athlete/activities returns it: the field set, order and number
 * formats of the real 2025 payload (strava_athlete_activities_page_real_2025.json), with the
 * swagger example's long `upload_id`. Measurements a device did not record are left out, as
 * Strava leaves them out (no `average_heartrate` without a heart-rate strap).
 */
export function summaryActivityJson(activity: SimActivity): Record<string, unknown> {
  const hasHeartrate = activity.averageHeartrate !== null;
  const json: Record<string, unknown> = {
    resource_state: 2,
    athlete: { id: activity.athleteId, resource_state: 1 },
    name: activity.name,
    distance: float(activity.distanceM),
    moving_time: activity.movingTimeS,
    elapsed_time: activity.elapsedTimeS,
    total_elevation_gain: float(activity.elevationGainM),
    type: legacyTypeOf(activity.sportType),
    sport_type: activity.sportType,
    workout_type: activity.workoutType,
    id: activity.id,
    start_date: isoSeconds(activity.startMs),
    start_date_local: localIso(activity.timeZone, activity.startMs),
    timezone: stravaTimezoneName(activity.timeZone, activity.startMs),
    utc_offset: float(offsetSecondsAt(activity.timeZone, activity.startMs)),
    // Strava stopped filling these years ago; the real 2025 payload has them all null.
    location_city: null,
    location_state: null,
    location_country: null,
    achievement_count: activity.achievementCount,
    kudos_count: activity.kudosCount,
    comment_count: activity.commentCount,
    athlete_count: activity.athleteCount,
    photo_count: activity.photoCount,
    map: { id: `a${activity.id}`, summary_polyline: activity.polyline, resource_state: 2 },
    trainer: activity.trainer,
    commute: activity.commute,
    manual: activity.manual,
    private: activity.visibility === 'only_me',
    visibility: activity.visibility,
    flagged: false,
    gear_id: activity.gearId,
    start_latlng: activity.startLatLng,
    end_latlng: activity.endLatLng,
    average_speed: float(speed(activity.distanceM, activity.movingTimeS)),
    max_speed: float(maxSpeed(activity)),
  };
  if (activity.averageCadence !== null) json.average_cadence = float(activity.averageCadence);
  if (activity.averageTempC !== null) json.average_temp = activity.averageTempC;
  json.has_heartrate = hasHeartrate;
  if (hasHeartrate) {
    json.average_heartrate = float(activity.averageHeartrate);
    json.max_heartrate = float(activity.maxHeartrate);
  }
  json.heartrate_opt_out = false;
  json.display_hide_heartrate_option = hasHeartrate;
  if (activity.elevHighM !== null) json.elev_high = float(activity.elevHighM);
  if (activity.elevLowM !== null) json.elev_low = float(activity.elevLowM);
  json.upload_id = bigInteger(activity.uploadId);
  if (activity.uploadId !== null) json.upload_id_str = activity.uploadId;
  json.external_id = activity.externalId;
  json.from_accepted_tag = false;
  json.pr_count = activity.prCount;
  json.total_photo_count = activity.photoCount;
  json.has_kudoed = false;
  if (activity.sufferScore !== null) json.suffer_score = float(activity.sufferScore);
  return json;
}

/**
 * DetailedActivity as GET /activities/{id} returns it: the summary at resource_state 3 plus
 * the detail fields. Simplified: segment efforts, splits, laps and best efforts are empty.
 */
export function detailedActivityJson(activity: SimActivity): Record<string, unknown> {
  const summary = summaryActivityJson(activity);
  return {
    ...summary,
    resource_state: 3,
    map: {
      id: `a${activity.id}`,
      polyline: activity.polyline,
      summary_polyline: activity.polyline,
      resource_state: 3,
    },
    description: activity.description,
    calories: float(activity.calories),
    perceived_exertion: null,
    prefer_perceived_exertion: false,
    segment_efforts: [],
    splits_metric: [],
    laps: [],
    best_efforts: [],
    photos: { primary: null, count: 0 },
    hide_from_home: false,
    device_name: activity.deviceName,
    embed_token: createHash('sha1').update(`embed:${activity.id}`).digest('hex'),
    available_zones: [],
  };
}

function speed(distanceM: number, seconds: number): number {
  return seconds > 0 ? Math.round((distanceM / seconds) * 1000) / 1000 : 0;
}

function maxSpeed(activity: SimActivity): number {
  const average = speed(activity.distanceM, activity.movingTimeS);
  // Deterministic per activity: GPS spikes make max speed 1.5–3× the average.
  return Math.round(average * (1.5 + (activity.id % 150) / 100) * 1000) / 1000;
}
