/**
 * Strava names an activity's zone as `(GMT-05:00) America/New_York`: a display offset that is
 * wrong half the year (it ignores daylight saving) followed by the IANA name we actually want.
 */

const STRAVA_TIMEZONE = /^\(GMT[+-]\d{2}:\d{2}\)\s+(\S+)$/;
/** Names only: Intl on newer Node also accepts bare offsets like `+05:00`, which are not zones. */
const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;

/** True when `name` is a time zone this runtime's tz database knows, e.g. `Europe/Paris`. */
export function isIanaTimeZone(name: string): boolean {
  if (!IANA_NAME.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * `(GMT-05:00) America/New_York` or a bare `America/New_York` → `America/New_York`; anything
 * that does not name a real zone → null (the activity keeps its `utc_offset_s` either way).
 * The name is returned as Strava spelled it, not canonicalised: ICU's canonical names change
 * between Node versions (`Asia/Calcutta` vs `Asia/Kolkata`) and Postgres accepts both.
 */
export function parseStravaTimezone(value: string | null | undefined): string | null {
  const trimmed = value?.trim();
  if (!trimmed) return null;
  const name = STRAVA_TIMEZONE.exec(trimmed)?.[1] ?? trimmed;
  return isIanaTimeZone(name) ? name : null;
}
