/**
 * Fixed usage windows, as the weather APIs count: calendar minutes and UTC days (a day's
 * budget comes back at midnight UTC, a minute's at the next whole minute), read from the
 * simulator's clock so tests move time instead of sleeping.
 */
export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

export interface UsageWindow {
  used(key: string, nowMs: number): number;
  add(key: string, nowMs: number, amount?: number): void;
  /** When the window holding `nowMs` ends, epoch ms. */
  resetsAt(nowMs: number): number;
  clear(): void;
}

export function createUsageWindow(lengthMs: number): UsageWindow {
  const usage = new Map<string, { window: number; used: number }>();
  const windowOf = (nowMs: number) => Math.floor(nowMs / lengthMs);
  const used = (key: string, nowMs: number) => {
    const entry = usage.get(key);
    return entry && entry.window === windowOf(nowMs) ? entry.used : 0;
  };
  return {
    used,
    add(key, nowMs, amount = 1) {
      usage.set(key, { window: windowOf(nowMs), used: used(key, nowMs) + amount });
    },
    resetsAt: (nowMs) => (windowOf(nowMs) + 1) * lengthMs,
    clear: () => usage.clear(),
  };
}
