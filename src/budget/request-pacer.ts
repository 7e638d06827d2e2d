import type { Clock } from '../core/clock.ts';

/**
 * Spaces requests at least `minIntervalMs` apart within this process (Nominatim's policy: at
 * most one request per second); across processes the ledger's per-minute line keeps the total
 * within the policy. Callers may wait at the same time: each takes the next turn in order, so
 * two lookups started together still leave the gap between them.
 *
 * The gap is counted from the later of the last request's start and its answer (`answered`):
 * spacing starts alone would let a slow request and a quick one arrive less than the interval
 * apart at the server, which refuses the second.
 *
 * A wait ends early when its caller's `signal` aborts (a stopping worker must not sit out the
 * spacing); that turn then sends nothing, so the next one is spaced from the last real request.
 */
export interface RequestPacer {
  wait(signal?: AbortSignal): Promise<void>;
  /** The request of the last turn was answered (or failed): the next gap counts from now. */
  answered(): void;
}

export function createRequestPacer(
  minIntervalMs: number,
  clock: Clock,
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>,
): RequestPacer {
  let last: number | undefined;
  let queue: Promise<void> = Promise.resolve();
  return {
    wait(signal) {
      const turn = queue.then(async () => {
        if (signal?.aborted) return;
        const due = last === undefined ? clock.now() : last + minIntervalMs;
        const waitMs = due - clock.now();
        if (waitMs > 0) await sleep(waitMs, signal);
        if (!signal?.aborted) last = clock.now();
      });
      queue = turn.catch(() => {});
      return turn;
    },
    answered() {
      last = clock.now();
    },
  };
}
