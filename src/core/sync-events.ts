import type { FailureType } from './errors.ts';
import type { SessionStatus, SyncKind, SyncPhase } from './glossary.ts';

/**
 * Everything a sync session reports, in one typed map (`noun:verb`, as graphile-worker's
 * WorkerEventMap). Each event is written to the session's timeline (`sync_events`) in the same
 * transaction as the change it reports, so the timeline never tells of a slice that was rolled
 * back; the same events feed live progress.
 */
export interface SyncEventMap {
  'sync:started': { kind: SyncKind; resumed: boolean };
  'sync:phase': { from: SyncPhase | null; to: SyncPhase };
  /** Strava's athlete stats could not be read: the backfill goes on without a total (no percent). */
  'total:unknown': { code: string; message: string };
  'slice:stored': {
    listed: number;
    stored: number;
    unchanged: number;
    skipped: Record<string, number>;
    cursorBefore: number | null;
  };
  'event:applied': {
    object: 'activity' | 'athlete';
    /** `unconfirmed`: Strava did not confirm a deauthorization or deletion; nothing changed. */
    action:
      | 'stored'
      | 'unchanged'
      | 'deleted'
      | 'not_a_run'
      | 'revoked'
      | 'ignored'
      | 'unconfirmed';
    objectId: string;
  };
  'reconcile:deleted': { count: number; windowDays: number };
  /** The listing disagreed with what is stored by too much to trust: nothing was deleted. */
  'reconcile:refused': { candidates: number; stored: number; listed: number };
  'enrich:batch': { enriched: number; unavailable: number; stillPending: number };
  /** Enrichment stopped for now (budget spent, provider misconfigured); the backfill resumes it. */
  'enrich:deferred': { code: string; message: string; resumeAt: string | null };
  /** Parked until a provider's window reopens (`provider`: `nominatim`, `open-meteo`, …). */
  'enrich:waiting': { provider: string; until: string };
  'budget:exhausted': { resumeAt: string };
  /** Checkpointed and handed back to the queue: the run's deadline, or its worker stopping. */
  'sync:yielded': { reason: 'deadline' | 'stopping' };
  'sync:retrying': { code: string; message: string };
  'sync:completed': {
    stored: number;
    skipped: number;
    enriched: number;
    durationMs: number;
    /** Something left undone the operator must fix (a misconfigured provider), else null. */
    warning: { code: string; message: string } | null;
  };
  'sync:cancelled': { stored: number };
  'sync:failed': { code: string; failureType: FailureType; message: string };
}

export type SyncEventType = keyof SyncEventMap;
export type SyncEvent = {
  [K in SyncEventType]: { type: K; payload: SyncEventMap[K] };
}[SyncEventType];

/** The status a session ends a run of the runner in, with what the caller must do next. */
export type RunOutcome =
  | { status: Extract<SessionStatus, 'completed' | 'cancelled'> }
  | { status: 'failed'; code: string }
  | { status: 'rate_limited'; resumeAt: Date }
  /** The deadline (or the worker stopping) came first: continue in a new job. */
  | { status: 'yielded' }
  /** A transient failure: the queue retries the job with backoff. */
  | { status: 'retry'; code: string }
  /** Another worker holds the session, or it has already ended. */
  | { status: 'not_claimed' };
