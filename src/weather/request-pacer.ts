import type { Clock } from '../core/clock.ts';

/**
 * Spaces requests at least `minIntervalMs` apart within this process (Nominatim's policy: at
 * most one request per second). Callers await `wait()` one at a time; across processes the
 * ledger's per-minute line keeps the total within the policy.
 */
export interface RequestPacer {
  wait(): Promise<void>;
}

export function createRequestPacer(
  minIntervalMs: number,
  clock: Clock,
  sleep: (ms: number) => Promise<void>,
): RequestPacer {
  let last: number | undefined;
  return {
    async wait() {
      const due = last === undefined ? clock.now() : last + minIntervalMs;
      const waitMs = due - clock.now();
      if (waitMs > 0) await sleep(waitMs);
      last = clock.now();
    },
  };
}
