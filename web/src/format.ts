/**
 * How the dashboard writes times, dates and places. Distances, paces, temperatures and the rest
 * are in the runner's units (src/core/units.ts, chosen with web/src/units.tsx); dates and clock
 * times in the browser's locale and time zone, a run's own in its own wall time.
 */

/** "1:02:05" for an hour or more, else "42:10". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${rest}` : `${minutes}:${rest}`;
}

/** A wait or an estimate in words: "about 40 s", "about 12 min", "about 3 h 20 min". */
export function formatRoughDuration(seconds: number): string {
  if (seconds < 60) return `about ${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest ? `about ${hours} h ${rest} min` : `about ${hours} h`;
}

/** A run's own wall-clock date ("2026-03-10T07:15:00" stays the 10th wherever the viewer is). */
export function formatRunDate(startDateLocal: string): string {
  const [date] = startDateLocal.split('T');
  const [year, month, day] = (date ?? '').split('-').map(Number);
  if (!year || !month || !day) return startDateLocal;
  return new Date(Date.UTC(year, month - 1, day)).toLocaleDateString(undefined, {
    timeZone: 'UTC',
    year: 'numeric',
    month: 'short',
    day: 'numeric',
  });
}

/** A run's own wall-clock time of day: "2026-03-10T07:15:00" → "07:15", wherever the viewer is. */
export function formatRunTime(startDateLocal: string): string {
  return /T(\d{2}:\d{2})/.exec(startDateLocal)?.[1] ?? '–';
}

/** A moment in the viewer's local time: "12:45" today, with the date when it is another day. */
export function formatLocalTime(iso: string, now = new Date()): string {
  const at = new Date(iso);
  const time = at.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  if (at.toDateString() === now.toDateString()) return time;
  return `${at.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })} ${time}`;
}

/** "152 bpm"; "–" when the run has no heart rate. */
export function formatHeartRate(bpm: number | null): string {
  return bpm === null ? '–' : `${Math.round(bpm)} bpm`;
}

export function formatPlace(place: { city: string | null; country: string | null }): string {
  return [place.city, place.country].filter(Boolean).join(', ');
}

/** "2026-03" → "Mar 2026". */
export function formatMonth(month: string): string {
  const [year, m] = month.split('-').map(Number);
  if (!year || !m) return month;
  return new Date(Date.UTC(year, m - 1, 1)).toLocaleDateString(undefined, {
    timeZone: 'UTC',
    month: 'short',
    year: 'numeric',
  });
}

export function formatCount(n: number): string {
  return n.toLocaleString();
}

/** "1 run", "412 runs". */
export function formatRuns(n: number): string {
  return `${formatCount(n)} ${n === 1 ? 'run' : 'runs'}`;
}
