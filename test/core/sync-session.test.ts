import { describe, expect, it } from 'vitest';
import { IllegalTransitionError } from '../../src/core/errors.ts';
import { SESSION_STATUSES, SYNC_PHASES, type SyncPhase } from '../../src/core/glossary.ts';
import {
  assertPhaseTransition,
  assertTransition,
  canPhaseTransition,
  canTransition,
  isActiveStatus,
  isTerminalStatus,
  syncSessionRowSchema,
} from '../../src/core/sync-session.ts';

// Written out by hand from the design, deliberately not derived from SESSION_TRANSITIONS.
const LEGAL_TRANSITIONS = new Set([
  'queued→running',
  'queued→cancelled',
  'queued→failed',
  'running→queued',
  'running→rate_limited',
  'running→completed',
  'running→failed',
  'running→cancelled',
  'rate_limited→queued',
  'rate_limited→running',
  'rate_limited→cancelled',
  'rate_limited→failed',
]);

const LEGAL_PHASE_TRANSITIONS = new Set([
  'none→authenticating',
  'none→fetching',
  'none→enriching',
  'none→finalizing',
  'authenticating→fetching',
  'authenticating→enriching',
  'authenticating→finalizing',
  'fetching→enriching',
  'fetching→finalizing',
  'enriching→finalizing',
]);

const statusPairs = SESSION_STATUSES.flatMap((from) => SESSION_STATUSES.map((to) => [from, to]));
const phasePairs = [null, ...SYNC_PHASES].flatMap((from) =>
  SYNC_PHASES.map((to): [SyncPhase | null, SyncPhase] => [from, to]),
);

describe('session status transitions', () => {
  it('covers the whole 6×6 matrix', () => {
    expect(statusPairs).toHaveLength(36);
  });

  it.each(statusPairs)('%s → %s', (from, to) => {
    const legal = LEGAL_TRANSITIONS.has(`${from}→${to}`);
    expect(canTransition(from, to)).toBe(legal);
    if (legal) {
      expect(() => assertTransition(from, to)).not.toThrow();
    } else {
      expect(() => assertTransition(from, to)).toThrow(IllegalTransitionError);
    }
  });

  it('explains an illegal move in plain words, with a code and a next step', () => {
    const error = catchError(() => assertTransition('completed', 'cancelled'));
    expect(error).toBeInstanceOf(IllegalTransitionError);
    expect(error).toMatchObject({
      code: 'illegal_session_transition',
      failureType: 'system',
      userMessage: 'This sync has already completed and cannot be cancelled.',
      hint: 'Start a new sync to pick up anything newer.',
      message: 'illegal sync session transition completed → cancelled',
    });
  });

  it('words a move to the same status as a plain statement', () => {
    const error = catchError(() => assertTransition('running', 'running'));
    expect(error).toMatchObject({ userMessage: 'This sync is already running.' });
  });

  it('gives non-terminal sessions a different hint', () => {
    const error = catchError(() => assertTransition('queued', 'completed'));
    expect(error).toMatchObject({
      userMessage: 'This sync is waiting to start and cannot be completed.',
      hint: 'Refresh to see where the sync stands now.',
    });
  });

  it('classifies statuses as active or terminal, never both', () => {
    expect(SESSION_STATUSES.filter((s) => isActiveStatus(s))).toEqual([
      'queued',
      'running',
      'rate_limited',
    ]);
    expect(SESSION_STATUSES.filter((s) => isTerminalStatus(s))).toEqual([
      'completed',
      'failed',
      'cancelled',
    ]);
    expect(isActiveStatus('paused')).toBe(false);
    expect(isTerminalStatus('paused')).toBe(false);
  });

  it('lets nothing leave a terminal status', () => {
    for (const [from, to] of statusPairs) {
      if (from && to && isTerminalStatus(from)) expect(canTransition(from, to)).toBe(false);
    }
  });
});

describe('session phase transitions', () => {
  it('covers every (phase or none) × phase pair', () => {
    expect(phasePairs).toHaveLength(20);
  });

  it.each(phasePairs)('%s → %s', (from, to) => {
    const legal = LEGAL_PHASE_TRANSITIONS.has(`${from ?? 'none'}→${to}`);
    expect(canPhaseTransition(from, to)).toBe(legal);
    if (legal) {
      expect(() => assertPhaseTransition(from, to)).not.toThrow();
    } else {
      expect(() => assertPhaseTransition(from, to)).toThrow(IllegalTransitionError);
    }
  });

  it('names the illegal phase move in the detail, not to the user', () => {
    const error = catchError(() => assertPhaseTransition('enriching', 'fetching'));
    expect(error).toMatchObject({
      code: 'illegal_phase_transition',
      message: 'illegal sync phase transition enriching → fetching',
    });
    expect((error as IllegalTransitionError).userMessage).not.toContain('enriching');
  });
});

describe('syncSessionRowSchema', () => {
  const row = {
    id: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
    user_id: '00000000-0000-0000-0000-000000000001',
    kind: 'backfill',
    status: 'running',
    phase: 'fetching',
    activities_listed: 400,
    activities_stored: 398,
    activities_changed: 12,
    activities_skipped: 2,
    activities_enriched: 0,
    weather_unavailable: 0,
    total_estimate: null,
    skipped_reasons: { strava_summary_invalid: 2 },
    checkpoint: { before: '2025-10-19T20:00:00Z', seen_ids: ['16195505756'] },
    input: null,
    error_code: null,
    error_message: null,
    error_hint: null,
    error_failure_type: null,
    warning_code: null,
    warning_message: null,
    lease_owner: 'worker-1',
    lease_expires_at: new Date('2025-10-20T10:05:00Z'),
    cancel_requested_at: null,
    resume_at: null,
    waiting_for: null,
    started_at: '2025-10-20T10:00:00.123456+00:00',
    finished_at: null,
    correlation_id: 'req-123',
    created_at: '2025-10-20T09:59:59Z',
    updated_at: new Date('2025-10-20T10:00:01Z'),
  };

  it('accepts a row as pg delivers it and normalises every time to a Date', () => {
    const parsed = syncSessionRowSchema.parse(row);
    expect(parsed.lease_expires_at).toEqual(new Date('2025-10-20T10:05:00Z'));
    expect(parsed.started_at).toEqual(new Date('2025-10-20T10:00:00.123Z'));
    expect(parsed.created_at).toEqual(new Date('2025-10-20T09:59:59Z'));
    expect(parsed.finished_at).toBeNull();
    expect(parsed.checkpoint).toEqual(row.checkpoint);
  });

  it('accepts counts as bigint decimal strings', () => {
    const parsed = syncSessionRowSchema.parse({
      ...row,
      activities_listed: '400',
      total_estimate: '1200',
    });
    expect(parsed.activities_listed).toBe(400);
    expect(parsed.total_estimate).toBe(1200);
  });

  it.each([
    ['an unknown status', { status: 'paused' }],
    ['an unknown kind', { kind: 'full' }],
    ['an unknown phase', { phase: 'uploading' }],
    ['a negative count', { activities_stored: -1 }],
    ['a fractional count', { activities_listed: 1.5 }],
    ['a time without a zone', { started_at: '2025-10-20T10:00:00' }],
    ['an invalid Date', { started_at: new Date('nope') }],
    ['a checkpoint that is not JSON', { checkpoint: { at: new Date() } }],
    ['an unknown failure type', { error_failure_type: 'fatal' }],
    ['a malformed id', { id: 'session-1' }],
    ['an empty correlation id', { correlation_id: '' }],
  ])('rejects %s', (_label, change) => {
    expect(syncSessionRowSchema.safeParse({ ...row, ...change }).success).toBe(false);
  });
});

function catchError(fn: () => void): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
