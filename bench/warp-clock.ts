import type { ManualClock } from '../src/core/clock.ts';

/**
 * Real time, fast-forwarded: it runs with the wall clock (so the work of the code, the HTTP
 * round trips and the simulators' answers take the time they take), and a wait (`advance`,
 * the `sleep` of the bench world) skips ahead instead of sleeping. How far it moved over a
 * sync is the time that sync takes under the rate limits, without waiting for them.
 */
export function createWarpClock(start: string): ManualClock {
  const origin = new Date(start).getTime() - performance.now();
  let skipped = 0;
  const now = () => Math.floor(origin + performance.now() + skipped);
  return {
    now,
    advance(ms) {
      skipped += Math.max(0, ms);
    },
    set(epochMs) {
      skipped += Math.max(0, new Date(epochMs).getTime() - now());
    },
  };
}
