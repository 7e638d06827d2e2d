import type { Clock } from '../core/clock.ts';
import { RateLimitedError } from '../core/errors.ts';

/**
 * A per-user request budget: one token bucket per signed-in user, in this process. It keeps one
 * user (a script, a leaked token, a dashboard stuck in a loop) from taking the database and the
 * Strava budget from everyone else; a person clicking around never comes near it.
 *
 * In this process only: a Node server sees all of its users' requests; on Netlify each function
 * instance has its own buckets, so the bound there is per instance (the database pool and the
 * statement timeout bound the rest).
 */
export interface UserRequestLimitSettings {
  /** Requests a user may make per second, sustained. */
  perSecond: number;
  /**
   * Requests a user may make at once after a quiet spell: a dashboard's first load costs about
   * 20 (the estimate and the stats count more), and a runner may have a few tabs and a CLI open.
   */
  burst: number;
}

export const DEFAULT_USER_REQUEST_LIMIT: UserRequestLimitSettings = { perSecond: 20, burst: 120 };

/**
 * What a request costs, by path (first match; everything else costs 1). The estimate asks Strava
 * and reads every stored run, the stats aggregate the whole history: a user may still ask for
 * each a few times at once, but not hundreds.
 */
const COSTS: readonly (readonly [RegExp, number])[] = [
  [/^\/api\/estimate$/, 10],
  [/^\/api\/activities\/stats$/, 5],
];

/** Buckets idle this long are full again and dropped, so memory follows the active users. */
const IDLE_SWEEP_MS = 60_000;

export interface UserRequestLimit {
  /** Spends the request's cost from the user's bucket, or throws a RateLimitedError (429). */
  take(userId: string, path: string): void;
}

export function createUserRequestLimit(
  clock: Clock,
  settings: UserRequestLimitSettings = DEFAULT_USER_REQUEST_LIMIT,
): UserRequestLimit {
  const buckets = new Map<string, { tokens: number; atMs: number }>();
  const fullAfterMs = (settings.burst / settings.perSecond) * 1000;
  let sweptAtMs = clock.now();
  return {
    take(userId, path) {
      const nowMs = clock.now();
      if (nowMs - sweptAtMs > IDLE_SWEEP_MS) {
        for (const [id, b] of buckets) if (nowMs - b.atMs >= fullAfterMs) buckets.delete(id);
        sweptAtMs = nowMs;
      }
      const bucket = buckets.get(userId) ?? { tokens: settings.burst, atMs: nowMs };
      const refill = ((nowMs - bucket.atMs) / 1000) * settings.perSecond;
      const tokens = Math.min(settings.burst, bucket.tokens + Math.max(0, refill));
      const cost = COSTS.find(([pattern]) => pattern.test(path))?.[1] ?? 1;
      if (tokens < cost) {
        buckets.set(userId, { tokens, atMs: nowMs });
        const waitMs = Math.ceil(((cost - tokens) / settings.perSecond) * 1000);
        throw new RateLimitedError({
          code: 'too_many_requests',
          userMessage: 'Too many requests from your account at once.',
          hint: 'Wait a few seconds, then try again.',
          detail: `user request budget spent on ${path} (cost ${cost}, ${tokens.toFixed(1)} left)`,
          resumeAt: new Date(nowMs + Math.max(waitMs, 1000)),
        });
      }
      buckets.set(userId, { tokens: tokens - cost, atMs: nowMs });
    },
  };
}
