/**
 * Time as a dependency. Rate-limit windows, leases, backoff and token expiry all read the clock
 * through this, so tests move time forward instead of sleeping.
 */
export interface Clock {
  /** Milliseconds since the epoch, like `Date.now()`. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to. */
export interface ManualClock extends Clock {
  set(epochMs: number | Date | string): void;
  advance(ms: number): void;
}

export function createManualClock(
  start: number | Date | string = '2026-01-01T00:00:00Z',
): ManualClock {
  let current = new Date(start).getTime();
  return {
    now: () => current,
    set(epochMs) {
      current = new Date(epochMs).getTime();
    },
    advance(ms) {
      current += ms;
    },
  };
}
