import { float } from './strava-json.ts';
import { isoSeconds } from './time-zones.ts';
import type { SimAthlete } from './types.ts';

/** Strava's placeholder picture for athletes who never uploaded one. */
const DEFAULT_PROFILE_MEDIUM = 'avatar/athlete/medium.png';
const DEFAULT_PROFILE = 'avatar/athlete/large.png';

/**
 * SummaryAthlete (resource_state 2), as in the token response fixture
 * (strava_token_authorization_code_response.json): same fields, same order.
 */
export function summaryAthleteJson(athlete: SimAthlete): Record<string, unknown> {
  return {
    id: athlete.id,
    username: athlete.username,
    resource_state: 2,
    firstname: athlete.firstname,
    lastname: athlete.lastname,
    city: athlete.city,
    state: athlete.state ?? '',
    country: athlete.country,
    sex: athlete.sex,
    premium: athlete.premium,
    summit: athlete.premium,
    created_at: isoSeconds(athlete.createdMs),
    updated_at: isoSeconds(athlete.updatedMs),
    badge_type_id: athlete.premium ? 1 : 0,
    profile_medium: DEFAULT_PROFILE_MEDIUM,
    profile: DEFAULT_PROFILE,
    friend: null,
    follower: null,
  };
}

/**
 * DetailedAthlete (resource_state 3): GET /athlete with `profile:read_all`. Simplified: no
 * clubs, bikes or shoes.
 */
export function detailedAthleteJson(athlete: SimAthlete): Record<string, unknown> {
  return {
    ...summaryAthleteJson(athlete),
    resource_state: 3,
    bio: null,
    weight: float(athlete.weightKg),
    blocked: false,
    can_follow: true,
    follower_count: 0,
    friend_count: 0,
    mutual_friend_count: 0,
    athlete_type: 1,
    date_preference: '%m/%d/%Y',
    measurement_preference: 'meters',
    clubs: [],
    ftp: null,
    bikes: [],
    shoes: [],
  };
}
