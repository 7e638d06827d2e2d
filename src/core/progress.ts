import type { SyncSessionRow } from './sync-session.ts';

/**
 * Percent and ETA of a sync session, from its counters alone (pure: the API and the dashboard
 * compute the same thing from the same row). Fetching is most of the work a runner waits for,
 * so it carries 80% of the bar, enriching 18%, finishing the rest. The ETA extrapolates the
 * throughput measured so far in this session and adds any known wait (a parked session's
 * `resume_at`, whoever's window it waits for); it is unknown until there is something to measure.
 */
export interface Progress {
  percent: number | null;
  etaSeconds: number | null;
  /** ISO time a parked session resumes at: "waiting for Strava's rate-limit window until …". */
  waitingUntil: string | null;
  /**
   * Whose window a parked session waits for: `strava`, or an enrichment provider (`nominatim`,
   * `openweathermap`, `open-meteo`). Null unless parked.
   */
  waitingFor: string | null;
}

const FETCH_SHARE = 80;
const ENRICH_SHARE = 18;

type ProgressInput = Pick<
  SyncSessionRow,
  | 'status'
  | 'phase'
  | 'kind'
  | 'activities_stored'
  | 'activities_enriched'
  | 'weather_unavailable'
  | 'total_estimate'
  | 'started_at'
  | 'resume_at'
  | 'waiting_for'
>;

export function computeProgress(session: ProgressInput, nowMs: number): Progress {
  const parked = session.status === 'rate_limited' && session.resume_at !== null;
  const waitingUntil = parked ? (session.resume_at?.toISOString() ?? null) : null;
  // A session parked before the column existed waited for Strava: nothing else parked then.
  const waitingFor = parked ? (session.waiting_for ?? 'strava') : null;
  if (session.status === 'completed')
    return { percent: 100, etaSeconds: 0, waitingUntil: null, waitingFor: null };
  const percent = percentOf(session);
  return { percent, etaSeconds: etaOf(session, percent, nowMs), waitingUntil, waitingFor };
}

function percentOf(s: ProgressInput): number | null {
  const fetched = s.total_estimate ? Math.min(1, s.activities_stored / s.total_estimate) : null;
  switch (s.phase) {
    case null:
    case 'authenticating':
      return 0;
    case 'fetching':
      // Without an estimate (incremental, event) there is no honest percentage to show.
      return fetched === null ? null : round(fetched * FETCH_SHARE);
    case 'enriching': {
      const done =
        s.activities_stored > 0
          ? (s.activities_enriched + s.weather_unavailable) / s.activities_stored
          : 1;
      return round(FETCH_SHARE + Math.min(1, done) * ENRICH_SHARE);
    }
    case 'finalizing':
      return FETCH_SHARE + ENRICH_SHARE;
  }
}

function etaOf(s: ProgressInput, percent: number | null, nowMs: number): number | null {
  if (percent === null || percent <= 0 || !s.started_at) return null;
  if (!['running', 'queued', 'rate_limited'].includes(s.status)) return null;
  const elapsedS = Math.max(1, (nowMs - s.started_at.getTime()) / 1000);
  const waitS = s.resume_at ? Math.max(0, (s.resume_at.getTime() - nowMs) / 1000) : 0;
  return Math.round((elapsedS * (100 - percent)) / percent + waitS);
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** Whose limit an enrichment provider's is, for the people reading the wait. */
const LIMIT_OWNERS: Readonly<Record<string, string>> = {
  nominatim: 'OpenStreetMap',
  openweathermap: 'OpenWeatherMap',
  'open-meteo': 'Open-Meteo',
};

/**
 * What a parked session waits for, in words: "OpenStreetMap's limit (Nominatim)" for a
 * provider, "Strava's rate-limit window" for Strava. `apostrophe`: the dashboard sets ’.
 */
export function describeWait(waitingFor: string, apostrophe = "'"): string {
  if (waitingFor === 'strava') return `Strava${apostrophe}s rate-limit window`;
  const owner = LIMIT_OWNERS[waitingFor] ?? waitingFor;
  return waitingFor === 'nominatim'
    ? `${owner}${apostrophe}s limit (Nominatim)`
    : `${owner}${apostrophe}s limit`;
}
