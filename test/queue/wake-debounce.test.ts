import { describe, expect, it } from 'vitest';
import { createWakeDebounce, WAKE_DEBOUNCE_MS } from '../../src/queue/wake-worker.ts';

describe('the wake-up debounce', () => {
  it('lets one wake-up through per interval, however many requests ask', () => {
    const wakeNow = createWakeDebounce();
    const t0 = 1_773_000_000_000;
    // 150 requests in 3 s: one wake-up.
    const woken = Array.from({ length: 150 }, (_, i) => wakeNow(t0 + i * 20)).filter(Boolean);
    expect(woken).toHaveLength(1);
    expect(wakeNow(t0 + WAKE_DEBOUNCE_MS - 1)).toBe(false);
    expect(wakeNow(t0 + WAKE_DEBOUNCE_MS)).toBe(true);
    expect(wakeNow(t0 + WAKE_DEBOUNCE_MS + 1)).toBe(false);
  });

  it('wakes again when the clock went backwards rather than staying silent', () => {
    const wakeNow = createWakeDebounce(1000);
    expect(wakeNow(10_000)).toBe(true);
    expect(wakeNow(5_000)).toBe(true);
    expect(wakeNow(5_500)).toBe(false);
  });
});
