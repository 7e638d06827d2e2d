import type { SessionView } from '../api/contract.ts';
import { SYNC_PHASES } from '../core/glossary.ts';
import { isTerminalStatus } from '../core/sync-session.ts';

/**
 * Whether `next` is a later state of the session than `current`, so it may be shown after it.
 * Reads race: a poll sent before a stream event can answer after it, and showing it would move
 * the bar backwards. What only grows decides first (the phase moves forward only, counters only
 * add, a cancel request is never withdrawn, a terminal status is final); when all of that is
 * equal (running ↔ rate_limited changes none of it), the row's `updatedAt` does. Equal in
 * everything means no change, which is not shown again.
 */
export function isNewerSession(next: SessionView, current: SessionView | undefined): boolean {
  if (!current) return true;
  if (isTerminalStatus(current.status)) return false;
  const grown = growing(next).map((value, i) => Math.sign(value - (growing(current)[i] ?? 0)));
  if (grown.includes(-1)) return false;
  if (grown.includes(1)) return true;
  return Date.parse(next.updatedAt) > Date.parse(current.updatedAt);
}

/** The view's values that never decrease over a session's life. */
function growing(session: SessionView): number[] {
  const { counts } = session;
  return [
    isTerminalStatus(session.status) ? 1 : 0,
    session.phase === null ? -1 : SYNC_PHASES.indexOf(session.phase),
    counts.listed,
    counts.stored,
    counts.skipped,
    counts.enriched,
    counts.weatherUnavailable,
    session.cancelRequested ? 1 : 0,
  ];
}
