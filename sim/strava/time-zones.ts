/**
 * Time zone arithmetic for the simulated activities, from the runtime's tz database (Intl), so
 * daylight saving is real: a July run in Sydney and a January one differ by an hour, as on
 * Strava.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Seconds east of UTC in `timeZone` at the instant `epochMs` (Strava's `utc_offset`). */
export function offsetSecondsAt(timeZone: string, epochMs: number): number {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
    formatters.set(timeZone, formatter);
  }
  const name = formatter.formatToParts(epochMs).find((part) => part.type === 'timeZoneName');
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name?.value ?? '');
  if (!match) return 0; // "GMT" alone: UTC itself
  const sign = match[1] === '-' ? -1 : 1;
  return sign * (Number(match[2]) * 3600 + Number(match[3]) * 60);
}

/**
 * Strava's display name for a zone, `(GMT-05:00) America/New_York`. The offset shown is the
 * zone's standard (winter) offset whatever the date, which is why the real 2025 fixture shows
 * GMT-05:00 beside a utc_offset of -14400 in October: faithful to that.
 */
export function stravaTimezoneName(timeZone: string, epochMs: number): string {
  const year = new Date(epochMs).getUTCFullYear();
  const january = offsetSecondsAt(timeZone, Date.UTC(year, 0, 15));
  const july = offsetSecondsAt(timeZone, Date.UTC(year, 6, 15));
  return `(GMT${formatOffset(Math.min(january, july))}) ${timeZone}`;
}

/** The UTC instant at which the wall clock in `timeZone` reads the given local time. */
export function localToUtcMs(timeZone: string, localAsUtcMs: number): number {
  // Two passes settle every case but the skipped hour of a spring-forward, where the result
  // lands an hour off: harmless for generated start times.
  let guess = localAsUtcMs - offsetSecondsAt(timeZone, localAsUtcMs) * 1000;
  guess = localAsUtcMs - offsetSecondsAt(timeZone, guess) * 1000;
  return guess;
}

/** `YYYY-MM-DDTHH:MM:SSZ` for an instant, whole seconds, as Strava writes times. */
export function isoSeconds(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Strava's `start_date_local`: the local wall time, with the misleading `Z` Strava puts on it. */
export function localIso(timeZone: string, epochMs: number): string {
  return isoSeconds(epochMs + offsetSecondsAt(timeZone, epochMs) * 1000);
}

function formatOffset(seconds: number): string {
  const sign = seconds < 0 ? '-' : '+';
  const abs = Math.abs(seconds);
  const hours = String(Math.floor(abs / 3600)).padStart(2, '0');
  const minutes = String(Math.floor((abs % 3600) / 60)).padStart(2, '0');
  return `${sign}${hours}:${minutes}`;
}
