import { z } from 'zod';
import { type FailureType, IllegalTransitionError } from './errors.ts';
import {
  ACTIVE_SESSION_STATUSES,
  type ActiveSessionStatus,
  SESSION_STATUSES,
  type SessionStatus,
  SYNC_KINDS,
  SYNC_PHASES,
  type SyncPhase,
  TERMINAL_SESSION_STATUSES,
  type TerminalSessionStatus,
} from './glossary.ts';

/**
 * A sync session (`sync_sessions` row) and the state machine its status and phase follow. The
 * two tables below are the whole truth: a move not listed is illegal, and the runner, the API
 * and the reaper all check against them rather than reasoning about statuses themselves.
 */

/**
 * Every allowed status change. A status "changing" to itself is not a transition; callers skip
 * the write instead. Why each edge exists:
 * - queued → running (a worker claimed it), cancelled (before it started), failed (could not
 *   start, e.g. the connection was revoked).
 * - running → queued (yielded at a function deadline, or its lease expired and the reaper put
 *   it back), rate_limited (budget spent; waits for `resume_at`), completed, failed, cancelled.
 * - rate_limited → queued (the window reset and the job was re-enqueued), running (a worker
 *   picked it straight up), cancelled, failed.
 * - completed, failed, cancelled: terminal. A new sync is a new session.
 */
export const SESSION_TRANSITIONS: Readonly<Record<SessionStatus, readonly SessionStatus[]>> = {
  queued: ['running', 'cancelled', 'failed'],
  running: ['queued', 'rate_limited', 'completed', 'failed', 'cancelled'],
  rate_limited: ['queued', 'running', 'cancelled', 'failed'],
  completed: [],
  failed: [],
  cancelled: [],
};

/**
 * Phases only move forward; skipping is allowed (nothing to enrich → fetching → finalizing).
 * `none` stands for a session that has not entered a phase yet (`phase` is null). A resumed
 * session keeps its phase, so re-authenticating after a yield does not move it back.
 */
export const PHASE_TRANSITIONS: Readonly<Record<SyncPhase | 'none', readonly SyncPhase[]>> = {
  none: ['authenticating', 'fetching', 'enriching', 'finalizing'],
  authenticating: ['fetching', 'enriching', 'finalizing'],
  fetching: ['enriching', 'finalizing'],
  enriching: ['finalizing'],
  finalizing: [],
};

export function canTransition(from: SessionStatus, to: SessionStatus): boolean {
  return SESSION_TRANSITIONS[from].includes(to);
}

/** Throws IllegalTransitionError, whose user message says why in plain words. */
export function assertTransition(from: SessionStatus, to: SessionStatus): void {
  if (canTransition(from, to)) return;
  const terminal = isTerminalStatus(from);
  throw new IllegalTransitionError({
    code: 'illegal_session_transition',
    userMessage:
      from === to
        ? `This sync ${STATUS_DESCRIPTIONS[from]}.`
        : `This sync ${STATUS_DESCRIPTIONS[from]} and cannot ${TARGET_DESCRIPTIONS[to]}.`,
    hint: terminal
      ? 'Start a new sync to pick up anything newer.'
      : 'Refresh to see where the sync stands now.',
    detail: `illegal sync session transition ${from} → ${to}`,
  });
}

export function canPhaseTransition(from: SyncPhase | null, to: SyncPhase): boolean {
  return PHASE_TRANSITIONS[from ?? 'none'].includes(to);
}

export function assertPhaseTransition(from: SyncPhase | null, to: SyncPhase): void {
  if (canPhaseTransition(from, to)) return;
  throw new IllegalTransitionError({
    code: 'illegal_phase_transition',
    userMessage: 'Something went wrong while tracking this sync’s progress.',
    hint: 'Try the sync again; if it keeps happening, report it with the correlation id.',
    detail: `illegal sync phase transition ${from ?? 'none'} → ${to}`,
  });
}

export function isActiveStatus(status: string): status is ActiveSessionStatus {
  return ACTIVE_SESSION_STATUSES.some((active) => active === status);
}

export function isTerminalStatus(status: string): status is TerminalSessionStatus {
  return TERMINAL_SESSION_STATUSES.some((terminal) => terminal === status);
}

/** Completes "This sync …" for the status it is in. */
const STATUS_DESCRIPTIONS: Readonly<Record<SessionStatus, string>> = {
  queued: 'is waiting to start',
  running: 'is already running',
  rate_limited: 'is waiting for Strava’s rate limit to reset',
  completed: 'has already completed',
  failed: 'has already failed',
  cancelled: 'has already been cancelled',
};

/** Completes "… and cannot …" for the status it was asked to move to. */
const TARGET_DESCRIPTIONS: Readonly<Record<SessionStatus, string>> = {
  queued: 'be put back in the queue',
  running: 'be started',
  rate_limited: 'be paused for the rate limit',
  completed: 'be completed',
  failed: 'be marked as failed',
  cancelled: 'be cancelled',
};

const FAILURE_TYPES = ['config', 'transient', 'system'] as const satisfies readonly FailureType[];

/** `pg` returns `timestamptz` as a Date; Supabase's REST API and JSON return ISO strings. */
const timestamp = z
  .union([z.date(), z.iso.datetime({ offset: true })])
  .transform((value) => (value instanceof Date ? value : new Date(value)));

/** `pg` returns `bigint` columns as decimal strings; counts are small enough for a number. */
const count = z
  .union([z.int(), z.string().regex(/^\d+$/).transform(Number)])
  .pipe(z.int().nonnegative());

export const syncSessionRowSchema = z.object({
  id: z.guid(),
  user_id: z.guid(),
  kind: z.enum(SYNC_KINDS),
  status: z.enum(SESSION_STATUSES),
  phase: z.enum(SYNC_PHASES).nullable(),
  activities_listed: count,
  activities_stored: count,
  /** Of the stored runs, those new or changed at Strava (the rest were stored already, unchanged). */
  activities_changed: count,
  activities_skipped: count,
  activities_enriched: count,
  weather_unavailable: count,
  total_estimate: count.nullable(),
  /** Skip reason code → how many activities it skipped, e.g. `{ strava_summary_invalid: 2 }`. */
  skipped_reasons: z.record(z.string(), z.int().nonnegative()),
  /** The runner's bookmark; its shape belongs to the runner, JSON is all we promise here. */
  checkpoint: z.json().nullable(),
  /** For `event` sessions: the webhook event being applied. */
  input: z.json().nullable(),
  error_code: z.string().nullable(),
  error_message: z.string().nullable(),
  error_hint: z.string().nullable(),
  error_failure_type: z.enum(FAILURE_TYPES).nullable(),
  /**
   * What a session left undone that the operator must fix, e.g. `weather_not_found`: the runs
   * are stored but wait for weather. A completed session with one completed with a warning.
   */
  warning_code: z.string().nullable(),
  warning_message: z.string().nullable(),
  lease_owner: z.string().nullable(),
  lease_expires_at: timestamp.nullable(),
  cancel_requested_at: timestamp.nullable(),
  resume_at: timestamp.nullable(),
  /**
   * What a parked (`rate_limited`) session waits for until `resume_at`: `strava`, or the
   * enrichment provider whose window is spent (`nominatim`, `openweathermap`, `open-meteo`).
   */
  waiting_for: z.string().nullable(),
  started_at: timestamp.nullable(),
  finished_at: timestamp.nullable(),
  correlation_id: z.string().min(1),
  created_at: timestamp,
  updated_at: timestamp,
});

/** A session as the code holds it: times as Date. */
export type SyncSessionRow = z.infer<typeof syncSessionRowSchema>;
/** A session as a driver may deliver it: times as Date or ISO string, counts maybe strings. */
export type SyncSessionRowInput = z.input<typeof syncSessionRowSchema>;
