import { createHmac, timingSafeEqual } from 'node:crypto';
import { TransientError } from '../core/errors.ts';

/**
 * Waking a worker over HTTP, for hosts whose workers run only when asked (Netlify's background
 * function). The request is signed, so that no one else can start workers that hold database
 * connections for minutes: an HMAC of its time under a key derived from the server's secret
 * (SUPABASE_JWT_SECRET), valid for a few minutes either side for clock drift. A replay within
 * that window only starts one more worker that finds nothing to do.
 */
export const WAKE_HEADER = 'x-stridesync-wake';
const WAKE_VALID_MS = 5 * 60_000;
const WAKE_TIMEOUT_MS = 5_000;

function wakeKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('stridesync:wake-worker').digest();
}

function signature(secret: string, atMs: number): string {
  return createHmac('sha256', wakeKey(secret)).update(String(atMs)).digest('base64url');
}

/** The header value of a wake signed at `atMs`: `<ms>.<signature>`. */
export function signWake(secret: string, atMs: number): string {
  return `${atMs}.${signature(secret, atMs)}`;
}

/** Whether `header` is a wake signed with `secret` within the last (or next) few minutes. */
export function isSignedWake(secret: string, header: string | null, nowMs: number): boolean {
  const match = /^(\d{1,15})\.([A-Za-z0-9_-]+)$/.exec(header ?? '');
  if (!match) return false;
  const atMs = Number(match[1]);
  if (Math.abs(nowMs - atMs) > WAKE_VALID_MS) return false;
  const given = Buffer.from(match[2] as string);
  const expected = Buffer.from(signature(secret, atMs));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Wake-ups a process sends for the work its requests queue: at most one per this interval. */
export const WAKE_DEBOUNCE_MS = 5_000;

/**
 * A debounce for wake-ups: answers true at most once per `intervalMs` (by the times it is
 * given), so a burst of requests that queue work (a flood of webhook events) wakes one worker,
 * not one per request. One worker works the whole queue until it is idle, and anything the
 * skipped wake-ups were for is already queued for it (or for the next scheduled tick).
 */
export function createWakeDebounce(intervalMs = WAKE_DEBOUNCE_MS): (nowMs: number) => boolean {
  let lastMs: number | undefined;
  return (nowMs) => {
    if (lastMs !== undefined && nowMs >= lastMs && nowMs - lastMs < intervalMs) return false;
    lastMs = nowMs;
    return true;
  };
}

/**
 * Asks the worker at `url` to start. A background function answers 202 at once and works on.
 * Anything else (an error status, no answer) is a TransientError for the caller to log: the work
 * stays queued, and the next scheduled tick wakes a worker for it.
 */
export async function wakeWorker(
  url: string,
  secret: string,
  o: { nowMs: number; correlationId?: string },
): Promise<void> {
  let status: number;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        [WAKE_HEADER]: signWake(secret, o.nowMs),
        ...(o.correlationId ? { 'x-correlation-id': o.correlationId } : {}),
      },
      signal: AbortSignal.timeout(WAKE_TIMEOUT_MS),
    });
    await response.body?.cancel();
    status = response.status;
  } catch (error) {
    throw wakeFailed(url, 'no answer', error);
  }
  if (status < 200 || status > 299) throw wakeFailed(url, `status ${status}`);
}

function wakeFailed(url: string, what: string, cause?: unknown): TransientError {
  return new TransientError({
    code: 'worker_wake_failed',
    userMessage: 'The sync is queued, but no worker could be started for it yet.',
    hint: 'Nothing to do: the next scheduled tick (within 10 minutes) starts a worker for it.',
    detail: `waking the worker at ${url}: ${what}`,
    cause,
  });
}
