import type { Clock } from '../core/clock.ts';
import { RateLimitedError } from '../core/errors.ts';
import type { ApiLedger } from './api-ledger.ts';

/**
 * Spaces a provider's requests at least `intervalMs` apart across every job, function and
 * process: each request takes the next free slot of the provider's pace from the ledger
 * (`api_pace`) and waits for it. Two enrichments running at once (a sync's and the weather
 * backfill) share one pace rather than each keeping its own, so together they stay within the
 * provider's rate (Nominatim's one request a second) instead of doubling it.
 *
 * The gap is also counted from the latest answer to any process (`answered`): spacing starts
 * alone would let a request that reached the server late and the next one sent on time arrive
 * less than the interval apart, and the server refuses the second. So a waiter whose slot has
 * come waits on until an interval after the latest answer. A refusal holds the pace
 * (`refused`) for everyone, for the seconds it asks.
 *
 * A wait ends early when its caller's `signal` aborts (a stopping worker must not sit out the
 * spacing); that slot then goes unused. A slot after the caller's deadline is not waited for:
 * the wait throws a RateLimitedError resuming at the slot, so the pass defers instead.
 */
export interface RequestPacer {
  wait(bounds?: PaceBounds): Promise<void>;
  /** The request of the last turn was answered (or failed): the next waits an interval on. */
  answered(): Promise<void>;
  /** The provider refused for pace: nobody sends before `untilMs`. */
  refused(untilMs: number): Promise<void>;
}

/** A run's stop signal and deadline (epoch ms): no wait ends after it. */
export interface PaceBounds {
  signal?: AbortSignal | undefined;
  deadlineMs?: number | undefined;
}

export interface RequestPacerOptions {
  ledger: ApiLedger;
  /** The ledger's provider name: one pace per name. */
  provider: string;
  /** The spacing between two requests' slots. */
  intervalMs: number;
  clock: Clock;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /**
   * Also space from the latest answer (a provider counting arrivals, such as Nominatim's one a
   * second); a provider counting calls per minute needs only the slots.
   */
  fromAnswers?: boolean;
}

export function createRequestPacer(o: RequestPacerOptions): RequestPacer {
  return {
    async wait({ signal, deadlineMs } = {}) {
      if (signal?.aborted) return;
      const slot = await o.ledger.takeSlot(o.provider, o.intervalMs);
      if (slot > (deadlineMs ?? Infinity)) throw slotTooLate(o.provider, slot);
      const waitMs = slot - o.clock.now();
      if (waitMs > 0) await o.sleep(waitMs, signal);
      if (signal?.aborted || !o.fromAnswers) return;
      const answeredAt = await o.ledger.lastAnswer(o.provider);
      const after = answeredAt === undefined ? 0 : answeredAt + o.intervalMs - o.clock.now();
      if (after > 0) await o.sleep(after, signal);
    },
    answered: async () => {
      if (o.fromAnswers) await o.ledger.paceAnswered(o.provider);
    },
    refused: (untilMs) => o.ledger.holdPace(o.provider, untilMs),
  };
}

/**
 * The spacing that keeps `perMinute` calls a minute: 60 a minute is one a second; a plan of
 * more than 60,000 a minute is not spaced (the ledger's minute line still holds it).
 */
export function paceOf(perMinute: number): number {
  return Math.floor(60_000 / perMinute);
}

function slotTooLate(provider: string, slot: number): RateLimitedError {
  const resumeAt = new Date(slot);
  return new RateLimitedError({
    code: 'rate_limited',
    userMessage: `The ${provider} pace has no free slot before this run must end; it goes on at ${resumeAt.toISOString()}.`,
    hint: 'Nothing is lost: the rest waits for the next run.',
    detail: `${provider} pace slot ${resumeAt.toISOString()} after the run's deadline`,
    resumeAt,
  });
}
