import { computeProgress } from '../core/progress.ts';
import type { SyncSessionRow } from '../core/sync-session.ts';

/** A sync session as the API shows it: no lease, no checkpoint internals; progress computed. */
export function sessionView(session: SyncSessionRow, nowMs: number) {
  return {
    id: session.id,
    kind: session.kind,
    status: session.status,
    phase: session.phase,
    counts: {
      listed: session.activities_listed,
      stored: session.activities_stored,
      /** Of `stored`, the runs new or changed at Strava: zero for a sync that found nothing new. */
      changed: session.activities_changed,
      skipped: session.activities_skipped,
      enriched: session.activities_enriched,
      weatherUnavailable: session.weather_unavailable,
      estimatedTotal: session.total_estimate,
    },
    skippedReasons: session.skipped_reasons,
    progress: computeProgress(session, nowMs),
    error: session.error_code
      ? { code: session.error_code, message: session.error_message, hint: session.error_hint }
      : null,
    /** Completed, but something was left for the operator to fix (runs wait for weather). */
    warning: session.warning_code
      ? { code: session.warning_code, message: session.warning_message }
      : null,
    cancelRequested: session.cancel_requested_at !== null,
    createdAt: session.created_at.toISOString(),
    startedAt: session.started_at?.toISOString() ?? null,
    finishedAt: session.finished_at?.toISOString() ?? null,
    /**
     * When the row last changed: the tie-break a client needs to order two reads of the same
     * state counters (running ↔ rate_limited leaves every counter as it was).
     */
    updatedAt: session.updated_at.toISOString(),
    correlationId: session.correlation_id,
  };
}

export type SessionView = ReturnType<typeof sessionView>;
