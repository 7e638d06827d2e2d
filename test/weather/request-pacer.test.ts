import { describe, expect, it } from 'vitest';
import { createRequestPacer } from '../../src/budget/request-pacer.ts';
import { createManualClock } from '../../src/core/clock.ts';

describe('request pacer', () => {
  it('spaces callers that wait at the same time', async () => {
    const clock = createManualClock('2026-03-01T10:00:00Z');
    const starts: number[] = [];
    const pacer = createRequestPacer(1000, clock, async (ms) => clock.advance(ms));
    await Promise.all(
      [1, 2, 3].map(async () => {
        await pacer.wait();
        starts.push(clock.now());
      }),
    );
    const t0 = Date.parse('2026-03-01T10:00:00Z');
    expect(starts).toEqual([t0, t0 + 1000, t0 + 2000]);
  });

  it('counts the gap from the answer of a slow request, so two never arrive closer than it', async () => {
    const clock = createManualClock('2026-03-01T10:00:00Z');
    const pacer = createRequestPacer(1000, clock, async (ms) => clock.advance(ms));
    const t0 = clock.now();
    await pacer.wait();
    clock.advance(400); // the first request takes 400 ms to be answered
    pacer.answered();
    await pacer.wait();
    expect(clock.now()).toBe(t0 + 1400);
  });
});
