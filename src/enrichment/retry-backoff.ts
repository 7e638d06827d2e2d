/**
 * When an enrichment that failed is tried again: 15 min after the first failure, then ×4 each
 * time (1 h, 4 h, 16 h, ~2.7 days), never more than a week apart, so an outage costs a few
 * calls, not one per run per sync, and a long outage still heals within a week of its end.
 */
const FIRST_RETRY_MS = 15 * 60_000;
const MAX_RETRY_MS = 7 * 24 * 3_600_000;

export function nextRetryAt(nowMs: number, attempts: number): Date {
  const delay = FIRST_RETRY_MS * 4 ** Math.max(0, attempts - 1);
  return new Date(nowMs + Math.min(MAX_RETRY_MS, delay));
}

/** A run's enrichment that failed once more: its reason, the new count, and when to retry. */
export function failedAgain(reason: string, attemptsBefore: number, nowMs: number) {
  const attempts = attemptsBefore + 1;
  return {
    status: 'unavailable' as const,
    error: reason,
    attempts,
    retryAt: nextRetryAt(nowMs, attempts),
  };
}
