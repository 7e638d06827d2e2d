import type { ApiLedger } from '../budget/api-ledger.ts';
import { type BudgetLine, windowAt } from '../budget/rate-windows.ts';
import type { Clock } from '../core/clock.ts';
import { type AppError, ConfigError, RateLimitedError, TransientError } from '../core/errors.ts';

/**
 * What the four provider clients (One Call, Open-Meteo, OWM geocoding, Nominatim) share: how a
 * batch of calls runs, which errors stop a provider and which only fail one call, how a short
 * pause is slept and a longer window deferred, how a provider's 429 is written into the ledger,
 * and the shape of each provider's failure table.
 */

export interface WindowWaits {
  clock: Clock;
  /** Resolves after `ms`, or as soon as `signal` aborts; tests pass one that moves a manual clock. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Waits `ms` of real time, or less when `signal` aborts first: the sleep a stopping run cuts. */
export function sleepUnlessAborted(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** What bounds one enrichment pass: its run's stop signal and deadline (epoch ms). */
export interface PassBounds {
  /** Aborted when the run's worker stops: the pass ends before its next call or wait. */
  signal?: AbortSignal;
  /** No wait inside the pass ends after this; a window reopening later defers instead. */
  deadlineMs?: number;
}

/**
 * The longest rate-limit window a call sleeps through: a pause such as Nominatim's one request
 * a second or a Retry-After of a second or two. A longer window (a spent minute, hour or day) is
 * never slept inside a batch, where it would hold the worker, its lease and its stop: the
 * provider halts with the RateLimitedError, and the runs it did not reach are deferred to a
 * later job (the sync parks until the window reopens; the backfill's next job goes on).
 */
export const SHORT_WAIT_MS = 2_000;
/** A provider that refuses again right after each wait is not waiting on a pause: stop. */
const MAX_WAITS_PER_CALL = 3;
/** The code of the error that ends a pass whose run is stopping (see `passStopped`). */
export const PASS_STOPPED = 'enrichment_stopped';

/** Errors that stop a provider for the rest of the batch, rather than failing one call. */
function isHalting(error: unknown): error is AppError {
  return (
    error instanceof ConfigError ||
    error instanceof RateLimitedError ||
    (error instanceof TransientError &&
      (error.code === 'upstream_circuit_open' || error.code === PASS_STOPPED))
  );
}

/**
 * The run stopping (its worker shutting down) ends the pass: what is left waits untouched for
 * the next run, which the stopping runner hands the session to.
 */
export function passStopped(): TransientError {
  return new TransientError({
    code: PASS_STOPPED,
    userMessage: 'Adding weather and places stopped for now: the worker is stopping.',
    hint: 'The next run goes on where this one stopped; nothing is lost.',
  });
}

/**
 * Runs `perform` for each call, in order, at most `concurrency` at once (the provider's pace
 * spaces them; concurrency only keeps one slow answer from holding the next slot back) once the
 * first call has gone alone (a wrong address or key costs one call, not `concurrency`), sleeping
 * through short rate-limit windows. A halting error ends the batch: no further call starts, the
 * ones in flight finish, and every outcome so far is kept (a ConfigError, a window longer than a
 * short pause or reopening past the deadline (its RateLimitedError), an open circuit, the run
 * stopping). Any other TransientError fails only that call's keys, with its message as the
 * reason; anything else is a bug and is thrown.
 */
export async function runBatch<Call, Outcome>(
  calls: readonly Call[],
  perform: (call: Call) => Promise<Iterable<readonly [string, Outcome]>>,
  failed: (call: Call, reason: string) => Iterable<readonly [string, Outcome]>,
  waits: WindowWaits,
  bounds: PassBounds = {},
  concurrency = 1,
): Promise<{ outcomes: Map<string, Outcome>; halted?: AppError }> {
  const outcomes = new Map<string, Outcome>();
  let halted: AppError | undefined;
  let next = 0;
  /** Takes the next call until none is left, the batch halts, or it has done `most`. */
  async function worker(most = calls.length): Promise<void> {
    for (let done = 0; done < most && halted === undefined && next < calls.length; done++) {
      if (bounds.signal?.aborted) {
        halted = passStopped();
        return;
      }
      const call = calls[next++] as Call;
      try {
        const answered = await waitingOutShortWindows(() => perform(call), waits, bounds);
        for (const [key, outcome] of answered) outcomes.set(key, outcome);
      } catch (error) {
        if (isHalting(error)) {
          halted ??= error;
          return;
        }
        if (!(error instanceof TransientError)) throw error;
        for (const [key, outcome] of failed(call, failureReason(error))) outcomes.set(key, outcome);
      }
    }
  }
  await worker(1);
  const workers = Math.max(1, Math.min(concurrency, calls.length - next));
  await Promise.all(Array.from({ length: workers }, () => worker()));
  return halted ? { outcomes, halted } : { outcomes };
}

/** Runs `attempt`, sleeping (abortably) through windows that reopen soon and within bounds. */
async function waitingOutShortWindows<T>(
  attempt: () => Promise<T>,
  waits: WindowWaits,
  bounds: PassBounds,
): Promise<T> {
  for (let waited = 0; ; waited++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof RateLimitedError) || waited >= MAX_WAITS_PER_CALL) throw error;
      const now = waits.clock.now();
      const reopensAt = error.resumeAt.getTime();
      if (reopensAt - now > SHORT_WAIT_MS || reopensAt > (bounds.deadlineMs ?? Infinity)) {
        throw error;
      }
      await waits.sleep(Math.max(0, reopensAt - now), bounds.signal);
      if (bounds.signal?.aborted) throw passStopped();
    }
  }
}

/** `OpenWeatherMap did not answer in time: /data/3.0/onecall/timemachine: …`, for the run. */
function failureReason(error: TransientError): string {
  const summary = error.userMessage.replace(/\.$/, '');
  return error.message === error.userMessage ? summary : `${summary}: ${error.message}`;
}

/** The first of each key, in order: two runs in one slot make one call, not two. */
export function distinctBy<T>(items: readonly T[], keyOf: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(keyOf(item))) seen.set(keyOf(item), item);
  return [...seen.values()];
}

/**
 * The provider said 429 for `line`'s window: whatever our ledger thought, that window is full
 * for every process until it ends. Returns the error to throw.
 */
export async function spendWindow(
  ledger: ApiLedger,
  provider: string,
  line: BudgetLine,
  clock: Clock,
  service: string,
): Promise<RateLimitedError> {
  const now = clock.now();
  await ledger.observe(provider, [{ ...line, used: line.limit }], now);
  return rateLimitedUntil(
    windowAt(line.window, now).end,
    service,
    `${provider} 429 (${line.bucket})`,
  );
}

export function rateLimitedUntil(resumeAt: Date, service: string, detail: string) {
  return new RateLimitedError({
    code: 'weather_rate_limited',
    userMessage: `${service}'s request limit is reached until ${resumeAt.toISOString()}.`,
    hint: 'Nothing is lost: runs keep their place in the queue and are enriched after the reset.',
    detail,
    resumeAt,
  });
}

/** One call went wrong in a way another call, later or elsewhere, may not. */
export function callFailed(service: string, detail: string): TransientError {
  return new TransientError({
    code: 'weather_call_failed',
    userMessage: `${service} could not answer this request.`,
    hint: 'It is retried automatically later.',
    detail,
  });
}

/**
 * The body as JSON, or undefined when it is not JSON (a proxy's HTML error page, a body cut off
 * mid-way). The caller decides: an error status is classified without a body; a 200 without a
 * readable body fails the call.
 */
export async function readJsonBody(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * One row of a provider's failure table (as strava-errors.ts keeps Strava's): the rows are tried
 * in order and the first whose `matches` holds builds the outcome. A row may narrow what it
 * matched (`matches` a type guard), so its `build` gets the facts it checked.
 */
export interface FailureRule<Facts, Failure> {
  matches(facts: Facts): boolean;
  build(facts: Facts): Failure;
}

/** The outcome of the first rule matching `facts`, else `otherwise`'s. */
export function firstMatchingRule<Facts, Failure>(
  rules: readonly FailureRule<Facts, Failure>[],
  facts: Facts,
  otherwise: (facts: Facts) => Failure,
): Failure {
  const rule = rules.find((r) => r.matches(facts));
  return rule ? rule.build(facts) : otherwise(facts);
}

/** An HTTP 401/403/404 from a provider is the operator's to fix, once, not each run's. */
export function operatorError(code: string, userMessage: string, hint: string, detail: string) {
  return new ConfigError({ code, userMessage, hint, detail });
}

/** A `Retry-After` in seconds or as an HTTP date, as an instant; undefined when absent or bad. */
export function retryAfter(response: Response, nowMs: number): Date | undefined {
  const value = response.headers.get('retry-after')?.trim();
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return new Date(nowMs + seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : new Date(date);
}
