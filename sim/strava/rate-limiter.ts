import type { Clock } from '../../src/core/clock.ts';
import type { RateLimitPair, RateLimits } from './types.ts';

/**
 * One application's rate limits, as Strava's rate-limit docs describe them:
 * - an overall limit and a read limit, each per 15 minutes and per day (defaults 200/2,000
 *   and 100/1,000);
 * - the 15-minute window resets at :00, :15, :30 and :45, the daily one at midnight UTC;
 * - a request over a limit gets 429, and still counts: the usage headers go past the limit
 *   and the daily total grows, so hammering through a 15-minute block burns the day;
 * - every response to an API call reports limits and usage in headers.
 * The split follows the brief: a GET counts against both limits, anything else against the
 * overall one only. (Strava's docs count every endpoint but activity and upload creation as
 * "read"; the simulator serves none of those, and its only writes, push subscriptions, are
 * counted as overall only.)
 * "Other users" of the same application spend the same budget: a steady rate per 15 minutes
 * that accrues with the clock, plus one-off bursts.
 */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  overall: { fifteenMinute: 200, daily: 2000 },
  read: { fifteenMinute: 100, daily: 1000 },
};
export const FIFTEEN_MINUTES_MS = 15 * 60_000;
export const DAY_MS = 86_400_000;
const HISTORY_WINDOWS = 192;

export type RequestKind = 'read' | 'write';

export interface RateLimitUsage {
  overall: RateLimitPair;
  read: RateLimitPair;
}

/** One closed or open 15-minute window, for the ledger in `inspect()`. */
export interface RateLimitWindow {
  start: string;
  /** Our requests (every API call that reached the limiter), reads among them, 429s among them. */
  requests: number;
  reads: number;
  rejected: number;
  /** Requests other users of the app spent in the window (overall). */
  others: number;
}

export interface OtherUsers {
  /** Requests other users make every 15 minutes, spread evenly. */
  requestsPer15Min: number;
  /** Share of those that are reads (count against the read limit too). Default 1. */
  readShare?: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  headers: Record<string, string>;
}

export interface RateLimiter {
  limits: RateLimits;
  count(kind: RequestKind): RateLimitDecision;
  headers(): Record<string, string>;
  usage(): RateLimitUsage;
  /** Requests spent right now by someone else with the same application. */
  spend(requests: number, kind?: RequestKind): void;
  setOtherUsers(others: OtherUsers | null): void;
  windows(): RateLimitWindow[];
  /** When the 15-minute and daily windows next reset (epoch ms). */
  resetsAt(): { fifteenMinute: number; daily: number };
  clear(): void;
}

export function createRateLimiter(
  clock: Clock,
  limits: RateLimits = DEFAULT_RATE_LIMITS,
): RateLimiter {
  let quarterStart = Number.NaN;
  let dayStart = Number.NaN;
  let own = zeroUsage();
  let othersQuarter = { overall: 0, read: 0 };
  let othersDay = { overall: 0, read: 0 };
  let others: Required<OtherUsers> | null = null;
  let othersSinceMs = 0;
  let history: RateLimitWindow[] = [];
  let current: RateLimitWindow | null = null;

  // Order matters: roll the windows first (zeroing what a reset zeroes), then accrue other
  // users' requests for the time since the last look, so a reset never eats new usage.
  const roll = () => {
    const now = clock.now();
    const quarter = Math.floor(now / FIFTEEN_MINUTES_MS) * FIFTEEN_MINUTES_MS;
    const day = Math.floor(now / DAY_MS) * DAY_MS;
    if (quarter !== quarterStart) {
      quarterStart = quarter;
      own.overall.fifteenMinute = 0;
      own.read.fifteenMinute = 0;
      othersQuarter = { overall: 0, read: 0 };
      current = null;
    }
    if (day !== dayStart) {
      dayStart = day;
      own.overall.daily = 0;
      own.read.daily = 0;
      othersDay = { overall: 0, read: 0 };
    }
    if (others) {
      const quarterRequests =
        (others.requestsPer15Min * (now - Math.max(othersSinceMs, quarterStart))) /
        FIFTEEN_MINUTES_MS;
      const dayRequests =
        (others.requestsPer15Min * (now - Math.max(othersSinceMs, dayStart))) / FIFTEEN_MINUTES_MS;
      othersQuarter.overall += quarterRequests;
      othersQuarter.read += quarterRequests * others.readShare;
      othersDay.overall += dayRequests;
      othersDay.read += dayRequests * others.readShare;
      othersSinceMs = now;
    }
  };
  const usage = (): RateLimitUsage => ({
    overall: {
      fifteenMinute: own.overall.fifteenMinute + Math.floor(othersQuarter.overall),
      daily: own.overall.daily + Math.floor(othersDay.overall),
    },
    read: {
      fifteenMinute: own.read.fifteenMinute + Math.floor(othersQuarter.read),
      daily: own.read.daily + Math.floor(othersDay.read),
    },
  });
  const window = (): RateLimitWindow => {
    if (!current) {
      current = {
        start: new Date(quarterStart).toISOString(),
        requests: 0,
        reads: 0,
        rejected: 0,
        others: 0,
      };
      history.push(current);
      if (history.length > HISTORY_WINDOWS) history = history.slice(-HISTORY_WINDOWS);
    }
    return current;
  };
  const headers = (): Record<string, string> => {
    const used = usage();
    return {
      'X-Ratelimit-Limit': `${limiter.limits.overall.fifteenMinute},${limiter.limits.overall.daily}`,
      'X-Ratelimit-Usage': `${used.overall.fifteenMinute},${used.overall.daily}`,
      'X-Readratelimit-Limit': `${limiter.limits.read.fifteenMinute},${limiter.limits.read.daily}`,
      'X-Readratelimit-Usage': `${used.read.fifteenMinute},${used.read.daily}`,
    };
  };
  const add = (requests: number, kind: RequestKind) => {
    own.overall.fifteenMinute += requests;
    own.overall.daily += requests;
    if (kind === 'read') {
      own.read.fifteenMinute += requests;
      own.read.daily += requests;
    }
  };

  const limiter: RateLimiter = {
    limits: structuredClone(limits),
    count(kind) {
      roll();
      const used = usage();
      const { overall, read } = limiter.limits;
      const over =
        used.overall.fifteenMinute >= overall.fifteenMinute ||
        used.overall.daily >= overall.daily ||
        (kind === 'read' &&
          (used.read.fifteenMinute >= read.fifteenMinute || used.read.daily >= read.daily));
      add(1, kind); // counted whether or not it is allowed
      const entry = window();
      entry.requests += 1;
      if (kind === 'read') entry.reads += 1;
      if (over) entry.rejected += 1;
      entry.others = Math.floor(othersQuarter.overall);
      return { allowed: !over, headers: headers() };
    },
    headers() {
      roll();
      return headers();
    },
    usage() {
      roll();
      return usage();
    },
    spend(requests, kind = 'read') {
      roll();
      for (const bucket of [othersQuarter, othersDay]) {
        bucket.overall += requests;
        if (kind === 'read') bucket.read += requests;
      }
      window().others = Math.floor(othersQuarter.overall);
    },
    setOtherUsers(next) {
      roll();
      others = next ? { readShare: 1, ...next } : null;
      othersSinceMs = clock.now();
    },
    windows() {
      roll();
      return history.map((entry) => ({ ...entry }));
    },
    resetsAt() {
      roll();
      return { fifteenMinute: quarterStart + FIFTEEN_MINUTES_MS, daily: dayStart + DAY_MS };
    },
    clear() {
      own = zeroUsage();
      othersQuarter = { overall: 0, read: 0 };
      othersDay = { overall: 0, read: 0 };
      others = null;
      history = [];
      current = null;
      quarterStart = Number.NaN;
      dayStart = Number.NaN;
    },
  };
  return limiter;
}

function zeroUsage(): RateLimitUsage {
  return { overall: { fifteenMinute: 0, daily: 0 }, read: { fifteenMinute: 0, daily: 0 } };
}
