import { BrokenCircuitError, ConsecutiveBreaker, circuitBreaker, handleWhen } from 'cockatiel';
import type { Clock } from '../core/clock.ts';
import { AppError, TransientError } from '../core/errors.ts';

/**
 * One outbound HTTP call made resilient, for every external API (Strava, weather, geocoding):
 * - a timeout on every attempt;
 * - retries with exponential backoff and full jitter on network errors, timeouts and 5xx, never
 *   on other statuses (a 4xx means the same request will fail the same way), and never for a
 *   call that asks for none (`retry: false`);
 * - a circuit breaker (cockatiel) that stops calling a service after consecutive failed calls
 *   and lets one trial call through after `halfOpenAfterMs`.
 * Errors the caller's hooks throw (a spent budget) pass through untouched and are not retried.
 * The last 5xx response is returned, not thrown, so the caller's error table classifies it.
 */
export interface ResilientFetchOptions {
  /** Names the service in messages, e.g. "Strava". */
  service: string;
  timeoutMs?: number;
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  breakAfterFailures?: number;
  halfOpenAfterMs?: number;
  clock: Clock;
  /** Waits between attempts; tests pass one that advances a manual clock. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  fetch?: typeof fetch;
  /** The API's stable name in metrics and health (`strava`, `open-meteo`, …); default: `service`. */
  api?: string;
  /** Told of every attempt and of the breaker opening and closing (metrics, health). */
  observer?: CallObserver;
}

/**
 * What an operator's figures are made of. `attempted` is awaited (a recorder writes it where
 * every process can read it) and must not throw; the circuit calls are not awaited.
 */
export interface CallObserver {
  /** One attempt ended: its HTTP status, or `error` when no answer came (network, timeout). */
  attempted(api: string, outcome: { status: number | 'error'; seconds: number }): Promise<void>;
  circuitOpened(api: string, until: Date): void;
  circuitClosed(api: string): void;
}

export interface AttemptHooks {
  /**
   * false: one attempt only, whatever happens. For a call that is not idempotent, such as a
   * token refresh, which the service may have acted on even when its answer is lost.
   */
  retry?: boolean;
  /** Runs before every attempt (reserve budget); a throw ends the call. */
  beforeAttempt?: () => Promise<void>;
  /** Runs on every response (record usage headers). */
  onResponse?: (response: Response) => Promise<void>;
}

export type ResilientFetch = (
  url: string,
  init: RequestInit,
  hooks?: AttemptHooks,
) => Promise<Response>;

const DEFAULTS = {
  timeoutMs: 15_000,
  maxAttempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  breakAfterFailures: 5,
  halfOpenAfterMs: 30_000,
};

class RetryableStatus extends Error {
  constructor(readonly response: Response) {
    super(`HTTP ${response.status}`);
  }
}

export function createResilientFetch(options: ResilientFetchOptions): ResilientFetch {
  const o = { ...DEFAULTS, ...options };
  const doFetch = o.fetch ?? fetch;
  const sleep =
    o.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = o.random ?? Math.random;
  const api = o.api ?? o.service.toLowerCase();
  // The breaker counts whole calls (after their retries) that ended in trouble at the service.
  const breaker = circuitBreaker(
    handleWhen((error) => !(error instanceof AppError) || error.code === 'upstream_unreachable'),
    { halfOpenAfter: o.halfOpenAfterMs, breaker: new ConsecutiveBreaker(o.breakAfterFailures) },
  );
  if (o.observer) {
    const observer = o.observer;
    breaker.onBreak(() => observer.circuitOpened(api, new Date(o.clock.now() + o.halfOpenAfterMs)));
    breaker.onReset(() => observer.circuitClosed(api));
  }

  async function attemptOnce(
    url: string,
    init: RequestInit,
    hooks: AttemptHooks,
  ): Promise<Response> {
    await hooks.beforeAttempt?.();
    const startedAt = performance.now();
    const seconds = () => (performance.now() - startedAt) / 1000;
    let response: Response;
    try {
      response = await doFetch(url, { ...init, signal: AbortSignal.timeout(o.timeoutMs) });
    } catch (error) {
      await o.observer?.attempted(api, { status: 'error', seconds: seconds() });
      throw error;
    }
    await o.observer?.attempted(api, { status: response.status, seconds: seconds() });
    await hooks.onResponse?.(response);
    if (response.status >= 500) throw new RetryableStatus(response);
    return response;
  }

  async function withRetries(
    url: string,
    init: RequestInit,
    hooks: AttemptHooks,
  ): Promise<Response> {
    const maxAttempts = hooks.retry === false ? 1 : o.maxAttempts;
    for (let attempt = 1; ; attempt++) {
      try {
        return await attemptOnce(url, init, hooks);
      } catch (error) {
        if (error instanceof AppError) throw error;
        if (attempt >= maxAttempts) {
          if (error instanceof RetryableStatus) throw error;
          throw unreachable(o.service, url, error);
        }
        if (error instanceof RetryableStatus) await error.response.body?.cancel();
        // Full jitter: anywhere between 0 and the exponential ceiling, so retries spread out.
        await sleep(random() * Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** (attempt - 1)));
      }
    }
  }

  return async (url, init, hooks = {}) => {
    try {
      return await breaker.execute(() => withRetries(url, init, hooks));
    } catch (error) {
      if (error instanceof RetryableStatus) return error.response;
      if (error instanceof AppError) throw error;
      if (error instanceof BrokenCircuitError)
        throw circuitOpen(o.service, o.clock.now() + o.halfOpenAfterMs);
      throw error;
    }
  };
}

function unreachable(service: string, url: string, cause: unknown): TransientError {
  const timedOut =
    cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError');
  return new TransientError({
    code: 'upstream_unreachable',
    userMessage: `${service} did not answer${timedOut ? ' in time' : ''}.`,
    hint: 'It is retried automatically; nothing is lost.',
    detail: `${new URL(url).pathname}: ${cause instanceof Error ? cause.message : String(cause)}`,
    cause,
  });
}

function circuitOpen(service: string, retryAtMs: number): TransientError {
  return new TransientError({
    code: 'upstream_circuit_open',
    userMessage: `${service} has been failing repeatedly, so stridesync is giving it a moment.`,
    hint: 'It is retried automatically shortly; nothing is lost.',
    retryAt: new Date(retryAtMs),
  });
}
