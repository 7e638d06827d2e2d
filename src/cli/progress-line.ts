import type { SessionView } from '../api/session-view.ts';
import { computeProgress, describeWait } from '../core/progress.ts';
import type { SyncSessionRow } from '../core/sync-session.ts';

/**
 * How `stridesync sync` shows a session: one line of progress, and the summary at the end.
 * Pure (the row and the time in, text out); percent and ETA come from computeProgress, exactly
 * as the API and the dashboard compute them.
 */

export interface ProgressLineOptions {
  /** Prefix the line with a bar (on a terminal, where the line is redrawn in place). */
  bar?: boolean;
  barWidth?: number;
  /** Where "until 12:45" is told; default the machine's own time zone. */
  timeZone?: string;
}

export const DEFAULT_BAR_WIDTH = 20;

/**
 * What the line and the summary read of a session: its row, or the same fields taken from the
 * API's view of it when the session is followed through a local server (`viewAsDisplayed`).
 */
export type DisplayedSession = Pick<
  SyncSessionRow,
  | 'status'
  | 'phase'
  | 'kind'
  | 'activities_stored'
  | 'activities_skipped'
  | 'activities_enriched'
  | 'weather_unavailable'
  | 'total_estimate'
  | 'created_at'
  | 'started_at'
  | 'finished_at'
  | 'resume_at'
  | 'waiting_for'
  | 'error_code'
  | 'error_message'
  | 'error_hint'
  | 'warning_message'
>;

/** The API's view of a session as the line reads it: the same counters, times and error. */
export function viewAsDisplayed(view: SessionView): DisplayedSession {
  const date = (iso: string | null) => (iso === null ? null : new Date(iso));
  return {
    status: view.status,
    phase: view.phase,
    kind: view.kind,
    activities_stored: view.counts.stored,
    activities_skipped: view.counts.skipped,
    activities_enriched: view.counts.enriched,
    weather_unavailable: view.counts.weatherUnavailable,
    total_estimate: view.counts.estimatedTotal,
    created_at: new Date(view.createdAt),
    started_at: date(view.startedAt),
    finished_at: date(view.finishedAt),
    // The view says when a parked session resumes; that is the wait its ETA counts.
    resume_at: date(view.progress.waitingUntil),
    waiting_for: view.progress.waitingFor,
    error_code: view.error?.code ?? null,
    error_message: view.error?.message ?? null,
    error_hint: view.error?.hint ?? null,
    warning_message: view.warning?.message ?? null,
  };
}

/** `[███████░░░░░] 58%  fetching  stored 412/800  enriched 120  ETA 1m 20s` */
export function progressLine(
  session: DisplayedSession,
  nowMs: number,
  options: ProgressLineOptions = {},
): string {
  const { percent, etaSeconds, waitingUntil, waitingFor } = computeProgress(session, nowMs);
  const percentText = percent === null ? '--%' : `${Math.floor(percent)}%`;
  // Strava's totals count only public runs, so a history with private ones outgrows its estimate.
  const total = session.total_estimate;
  const stored =
    total === null || session.activities_stored > total
      ? `stored ${session.activities_stored}`
      : `stored ${session.activities_stored}/${total}`;
  const parts = [
    options.bar
      ? `${bar(percent, options.barWidth ?? DEFAULT_BAR_WIDTH)} ${percentText}`
      : percentText,
    stageOf(session),
    stored,
    `enriched ${session.activities_enriched}`,
  ];
  if (etaSeconds) parts.push(`ETA ${formatDuration(etaSeconds)}`);
  if (waitingUntil && waitingFor) {
    parts.push(waitingText(waitingFor, waitingUntil, nowMs, options.timeZone));
  } else if (session.status === 'queued' && session.error_message) {
    parts.push(`last error: ${session.error_message}`);
  }
  return parts.join('  ');
}

/** `Completed in 1m 12s: stored 412, skipped 38, enriched 400, weather unavailable 12.` */
export function summaryLine(session: DisplayedSession, nowMs: number): string {
  const from = (session.started_at ?? session.created_at).getTime();
  const to = session.finished_at?.getTime() ?? nowMs;
  const outcome =
    session.status.charAt(0).toUpperCase() +
    session.status.slice(1) +
    (session.warning_message ? ' with a warning' : '');
  return (
    `${outcome} in ${formatDuration(Math.max(0, (to - from) / 1000))}: ` +
    `stored ${session.activities_stored}, skipped ${session.activities_skipped}, ` +
    `enriched ${session.activities_enriched}, weather unavailable ${session.weather_unavailable}.` +
    (session.warning_message ? `\nWarning: ${session.warning_message}` : '')
  );
}

/** `45s`, `1m`, `1m 20s`, `2h 5m`: as precise as a person reading a terminal needs. */
export function formatDuration(seconds: number): string {
  const total = Math.round(seconds);
  if (total < 60) return `${total}s`;
  if (total < 3600) return `${Math.floor(total / 60)}m${total % 60 ? ` ${total % 60}s` : ''}`;
  return `${Math.floor(total / 3600)}h ${Math.floor((total % 3600) / 60)}m`;
}

/** Where the session stands in a word: its phase while it runs, else its status. */
function stageOf(session: DisplayedSession): string {
  if (session.status === 'running') return session.phase ?? 'starting';
  if (session.status === 'rate_limited') return session.phase ?? 'waiting';
  if (session.status === 'queued') return session.error_code ? 'retrying' : 'queued';
  return session.status;
}

/**
 * `waiting for Strava's rate-limit window until 10:45` (a quarter of an hour or more: the time
 * says more), `waiting for OpenStreetMap's limit (Nominatim), 40s left` (a provider's short
 * window: the time left says more).
 */
export function waitingText(waitingFor: string, until: string, nowMs: number, timeZone?: string) {
  if (waitingFor === 'strava') {
    return `waiting for ${describeWait(waitingFor)} until ${clockTime(until, timeZone)}`;
  }
  const leftS = Math.max(0, (Date.parse(until) - nowMs) / 1000);
  return `waiting for ${describeWait(waitingFor)}, ${formatDuration(leftS)} left`;
}

/** An unknown percentage (no estimate to measure against) shows an empty bar, not a guess. */
function bar(percent: number | null, width: number): string {
  const filled = Math.round(((percent ?? 0) / 100) * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}

function clockTime(iso: string, timeZone: string | undefined): string {
  return new Intl.DateTimeFormat('en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone,
  }).format(new Date(iso));
}
