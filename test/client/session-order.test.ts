import { describe, expect, it } from 'vitest';
import type { SessionView } from '../../src/api/contract.ts';
import { isNewerSession } from '../../src/client/session-order.ts';

function session(overrides: Partial<SessionView> & { stored?: number } = {}): SessionView {
  const { stored = 0, ...rest } = overrides;
  return {
    id: '5b0e4c1a-2f3d-4e5f-8a9b-0c1d2e3f4a5b',
    kind: 'backfill',
    status: 'running',
    phase: 'fetching',
    counts: {
      listed: stored,
      stored,
      changed: stored,
      skipped: 0,
      enriched: 0,
      weatherUnavailable: 0,
      estimatedTotal: 100,
    },
    skippedReasons: {},
    progress: { percent: null, etaSeconds: null, waitingUntil: null, waitingFor: null },
    error: null,
    warning: null,
    cancelRequested: false,
    createdAt: '2026-03-10T12:00:00.000Z',
    startedAt: '2026-03-10T12:00:01.000Z',
    finishedAt: null,
    updatedAt: '2026-03-10T12:00:05.000Z',
    correlationId: 'order',
    ...rest,
  };
}

describe('which of two reads of a session is newer', () => {
  it('takes anything first', () => {
    expect(isNewerSession(session(), undefined)).toBe(true);
  });

  it('orders by what only grows: counters, phase, the cancel request', () => {
    expect(isNewerSession(session({ stored: 20 }), session({ stored: 10 }))).toBe(true);
    expect(isNewerSession(session({ stored: 10 }), session({ stored: 20 }))).toBe(false);
    expect(isNewerSession(session({ phase: 'enriching' }), session({ phase: 'fetching' }))).toBe(
      true,
    );
    expect(isNewerSession(session({ phase: 'fetching' }), session({ phase: 'enriching' }))).toBe(
      false,
    );
    expect(isNewerSession(session({ cancelRequested: true }), session())).toBe(true);
  });

  it('refuses an older read even when its clock says later (a counter went back)', () => {
    const older = session({ stored: 10, updatedAt: '2026-03-10T12:09:00.000Z' });
    expect(isNewerSession(older, session({ stored: 20 }))).toBe(false);
  });

  it('lets updatedAt decide a change no counter shows (running → rate_limited)', () => {
    const parked = session({ status: 'rate_limited', updatedAt: '2026-03-10T12:00:06.000Z' });
    const running = session({ status: 'running', updatedAt: '2026-03-10T12:00:05.000Z' });
    expect(isNewerSession(parked, running)).toBe(true);
    expect(isNewerSession(running, parked)).toBe(false);
  });

  it('does not repeat an unchanged session, and nothing follows a terminal one', () => {
    expect(isNewerSession(session(), session())).toBe(false);
    const done = session({ status: 'completed', phase: 'finalizing', stored: 30 });
    expect(isNewerSession(done, session({ stored: 30 }))).toBe(true);
    expect(isNewerSession(session({ stored: 40 }), done)).toBe(false);
  });
});
