/**
 * The time a sequence of calls takes, one after another as the sync makes them, under the
 * limits that hold them: calendar windows (a minute, a quarter hour, a UTC day, as the ledger
 * and the providers count them), a minimum gap between two calls of one service (Nominatim's
 * one request a second, paced in-process), and each call's response time. A call waits until
 * every line it spends has room, then for its service's gap, then takes its latency; a spent
 * daily line waits for midnight UTC, which is when the sync's deferred work goes on.
 */
export interface PaceLine {
  /** Lines of the same name are one budget (OpenWeatherMap's minute is per key, for all endpoints). */
  name: string;
  windowMs: number;
  limit: number;
}

export interface CallKind {
  /** Whose time the call counts as (`durationOf`). */
  service: string;
  lines: readonly PaceLine[];
  /** At least this long between the starts of two calls of the service. */
  minGapMs: number;
  latencyMs: number;
}

/** What the ledger says is spent already: `used` units of `name` in the window starting at `windowStartMs`. */
export interface LineUse {
  name: string;
  windowStartMs: number;
  used: number;
}

export interface PaceModel {
  /** One call spending `weight` units of each of its lines; returns when it was sent. */
  call(kind: CallKind, weight?: number): number;
  /** stridesync's own work between calls (storing a batch): time passes, nothing is spent. */
  work(ms: number): void;
  now(): number;
  /** Time spent on one service's calls: their waits and their latency. */
  durationOf(service: string): number;
  /** Calls of one service per UTC day (epoch day), for daily caps and billing. */
  callsByDay(service: string): Map<number, number>;
}

const DAY_MS = 86_400_000;

export function createPaceModel(startMs: number, spent: readonly LineUse[] = []): PaceModel {
  const used = new Map<string, number>();
  const key = (line: PaceLine, t: number) => `${line.name}@${Math.floor(t / line.windowMs)}`;
  const spentIn = (line: PaceLine, t: number) => {
    const own = used.get(key(line, t)) ?? 0;
    const window = Math.floor(t / line.windowMs) * line.windowMs;
    const ledger = spent.find((s) => s.name === line.name && s.windowStartMs === window);
    return own + (ledger?.used ?? 0);
  };
  const lastStart = new Map<string, number>();
  const durations = new Map<string, number>();
  const days = new Map<string, Map<number, number>>();
  let t = startMs;
  return {
    call(kind, weight = 1) {
      const began = t;
      for (;;) {
        // A call heavier than a whole window still goes, alone in it (as the ledger lets it).
        const full = kind.lines.find(
          (line) => spentIn(line, t) > 0 && spentIn(line, t) + weight > line.limit,
        );
        if (!full) break;
        t = (Math.floor(t / full.windowMs) + 1) * full.windowMs;
      }
      const last = lastStart.get(kind.service);
      if (last !== undefined) t = Math.max(t, last + kind.minGapMs);
      for (const line of kind.lines) used.set(key(line, t), (used.get(key(line, t)) ?? 0) + weight);
      lastStart.set(kind.service, t);
      const sentAt = t;
      const perDay = days.get(kind.service) ?? new Map<number, number>();
      const day = Math.floor(sentAt / DAY_MS);
      perDay.set(day, (perDay.get(day) ?? 0) + 1);
      days.set(kind.service, perDay);
      t += kind.latencyMs;
      durations.set(kind.service, (durations.get(kind.service) ?? 0) + (t - began));
      return sentAt;
    },
    work(ms) {
      t += ms;
    },
    now: () => t,
    durationOf: (service) => durations.get(service) ?? 0,
    callsByDay: (service) => days.get(service) ?? new Map(),
  };
}
