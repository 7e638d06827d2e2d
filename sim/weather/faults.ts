import type { MiddlewareHandler } from 'hono';

/**
 * Trouble on demand for the weather and geocoding simulators: slow answers, error statuses,
 * truncated JSON and requests that never answer. Dice come from a seeded generator, so the
 * same seed and the same order of requests give the same faults (rates of 0 or 1 need no
 * luck at all). Latency is wall-clock time, not the simulator's clock: it is about sockets.
 */
export interface FaultSettings {
  /** Added to every request, ms. */
  latencyMs: number;
  /** Up to this many further ms, drawn per request. */
  jitterMs: number;
  /**
   * Probability per status, e.g. `{ 500: 0.1, 503: 0.05 }`. Drawn before the handler runs, so
   * an injected error spends no quota (as a failing gateway in front of the real API would).
   */
  errorRates: Record<number, number>;
  /** Probability that a response body is cut in half (status and headers kept). */
  malformedJsonRate: number;
  /** Probability a request hangs until `releaseHung()`/`reset()` or the client gives up. */
  hangRate: number;
  seed: number;
}

export const NO_FAULTS: FaultSettings = {
  latencyMs: 0,
  jitterMs: 0,
  errorRates: {},
  malformedJsonRate: 0,
  hangRate: 0,
  seed: 1,
};

export interface FaultInjector {
  middleware: MiddlewareHandler;
  settings(): FaultSettings;
  set(changes: Partial<FaultSettings>): void;
  /** Releases hung requests (they answer 503), restores the initial settings and reseeds. */
  reset(): void;
  /** Answers every hung request with a 503 now. */
  releaseHung(): void;
  hungCount(): number;
}

/** `errorResponse(status)` builds the body each API uses for that status. */
export function createFaultInjector(
  initial: Partial<FaultSettings>,
  errorResponse: (status: number) => Response,
): FaultInjector {
  const start: FaultSettings = { ...NO_FAULTS, ...initial };
  let settings = start;
  let dice = seededRandom(settings.seed);
  const hung = new Set<() => void>();

  const releaseHung = () => {
    for (const release of [...hung]) release();
  };

  const middleware: MiddlewareHandler = async (c, next) => {
    // Always draw the same number of values per request, so one knob does not reshuffle another.
    const [hangRoll, errorRoll, malformedRoll, jitterRoll] = [dice(), dice(), dice(), dice()];
    const delay = settings.latencyMs + jitterRoll * settings.jitterMs;
    if (delay > 0) await sleep(delay);

    if (hangRoll < settings.hangRate) {
      await new Promise<void>((resolve) => {
        const release = () => {
          hung.delete(release);
          resolve();
        };
        hung.add(release);
        c.req.raw.signal?.addEventListener('abort', release, { once: true });
      });
      return errorResponse(503);
    }

    const status = pickStatus(settings.errorRates, errorRoll);
    if (status !== undefined) return errorResponse(status);

    await next();

    if (malformedRoll < settings.malformedJsonRate) {
      const text = await c.res.clone().text();
      const headers = new Headers(c.res.headers);
      headers.delete('content-length');
      c.res = new Response(text.slice(0, Math.floor(text.length / 2)), {
        status: c.res.status,
        headers,
      });
    }
  };

  return {
    middleware,
    settings: () => settings,
    set(changes) {
      settings = { ...settings, ...changes };
      if (changes.seed !== undefined) dice = seededRandom(changes.seed);
    },
    reset() {
      releaseHung();
      settings = start;
      dice = seededRandom(settings.seed);
    },
    releaseHung,
    hungCount: () => hung.size,
  };
}

function pickStatus(rates: Record<number, number>, roll: number): number | undefined {
  let cumulative = 0;
  for (const [status, rate] of Object.entries(rates)) {
    cumulative += rate;
    if (roll < cumulative) return Number(status);
  }
  return undefined;
}

/** mulberry32: tiny, seedable, good enough for dice. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b_79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
