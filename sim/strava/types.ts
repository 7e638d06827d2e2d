/**
 * The simulated world's records. Internal shapes, in camelCase with explicit units; the JSON
 * Strava sends is rendered from them by `activity-json.ts` and `athlete-json.ts`.
 */

/** Strava's OAuth scopes. */
export const SCOPES = [
  'read',
  'read_all',
  'profile:read_all',
  'profile:write',
  'activity:read',
  'activity:read_all',
  'activity:write',
] as const;
export type Scope = (typeof SCOPES)[number];

export type Visibility = 'everyone' | 'followers_only' | 'only_me';

/** `null` (older API style), `[]` (Strava's "no GPS") or `[lat, lng]`. */
export type LatLng = null | [] | [number, number];

export interface SimActivity {
  /** Unique, below 2^53 (our client rejects larger ids), ~11 digits like today's Strava ids. */
  id: number;
  athleteId: number;
  name: string;
  sportType: string;
  startMs: number;
  /** IANA zone where it started; `utc_offset` and `start_date_local` derive from it. */
  timeZone: string;
  distanceM: number;
  movingTimeS: number;
  elapsedTimeS: number;
  elevationGainM: number;
  elevHighM: number | null;
  elevLowM: number | null;
  startLatLng: LatLng;
  endLatLng: LatLng;
  /** null or '' when there is no route. */
  polyline: string | null;
  trainer: boolean;
  commute: boolean;
  manual: boolean;
  visibility: Visibility;
  averageHeartrate: number | null;
  maxHeartrate: number | null;
  averageCadence: number | null;
  averageTempC: number | null;
  /** Decimal digits; may exceed 2^53 (then written with all digits). null for manual entries. */
  uploadId: string | null;
  externalId: string | null;
  deviceName: string | null;
  gearId: string | null;
  workoutType: number | null;
  kudosCount: number;
  achievementCount: number;
  commentCount: number;
  athleteCount: number;
  photoCount: number;
  prCount: number;
  sufferScore: number | null;
  description: string | null;
  calories: number;
  /** When it reached Strava (upload or manual entry); ids grow with it. */
  createdMs: number;
  updatedMs: number;
  /** Set when deleted: it vanishes from every endpoint. */
  deletedMs: number | null;
}

export interface SimAthlete {
  id: number;
  seed: string;
  username: string | null;
  firstname: string;
  lastname: string;
  city: string;
  state: string | null;
  country: string;
  sex: 'M' | 'F' | null;
  premium: boolean;
  createdMs: number;
  updatedMs: number;
  weightKg: number;
  /** Names of the places in sim/places.ts this athlete lives in (in order, over the years). */
  homePlaces: string[];
}

/** A registered API application (the thing with a client id, a secret and rate limits). */
export interface SimApp {
  /** Numeric, as Strava's are (a string of digits). */
  clientId: string;
  clientSecret: string;
  name: string;
  /**
   * The "Authorization Callback Domain": redirect URIs must be on this host or a subdomain.
   * localhost and 127.0.0.1 are always accepted, as on Strava.
   */
  callbackDomain: string;
  /** false → every API call answers 403 Application/Status/Inactive (token refresh still works). */
  active: boolean;
}

export interface RateLimitPair {
  fifteenMinute: number;
  daily: number;
}

export interface RateLimits {
  overall: RateLimitPair;
  read: RateLimitPair;
}
