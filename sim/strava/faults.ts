import { z } from 'zod';
import { createRandom, type Random } from './random.ts';

/**
 * Fault injection for API calls (and, with `includeOAuth`, the token endpoint). All dice come
 * from a seeded PRNG, so a run with the same settings and requests fails the same way; the
 * `script` queue makes it exact ("the next two calls get 503").
 * What each knob does:
 * - latencyMs + jitterMs: every request waits latencyMs plus a uniform 0..jitterMs.
 * - errorRates: per status, the chance a request gets that 5xx instead of an answer. These
 *   come from the edge, before authentication and rate limiting, so they carry no rate-limit
 *   headers and are not counted (simplified: what Strava's proxies count is unknown).
 * - hangRate: the chance a request never answers until the client gives up (released with a
 *   504 by `close()`/`reset()`/`faults.reset()`, or when the client disconnects).
 * - malformedJsonRate: the chance a successful JSON body is cut short.
 * - malformedStats: GET /athletes/{id}/stats answers 200 with JSON that is not ActivityStats
 *   (no usable `all_run_totals`), as a changed or broken API would; the other endpoints answer
 *   as usual.
 * - script: outcomes for the next requests, one each, ahead of the dice.
 * - revokeAtRequest: the Nth API request after the knob is set finds its token revoked
 *   ('deauthorize': the athlete revoked the app, refresh fails too and the deauthorization
 *   webhook goes out; 'access-token': only that access token dies, a refresh recovers).
 * - otherUsers: other users of the same app spending its rate limit (see rate-limiter.ts).
 */
const status = z.union([z.literal(500), z.literal(502), z.literal(503), z.literal(504)]);
export type FaultStatus = z.infer<typeof status>;
const outcome = z.union([z.literal('ok'), status, z.literal('hang'), z.literal('malformed')]);
export type FaultOutcome = z.infer<typeof outcome>;
const probability = z.number().min(0).max(1);

export const faultSettingsSchema = z.strictObject({
  latencyMs: z.number().min(0),
  jitterMs: z.number().min(0),
  errorRates: z.strictObject({
    500: probability.optional(),
    502: probability.optional(),
    503: probability.optional(),
    504: probability.optional(),
  }),
  hangRate: probability,
  malformedJsonRate: probability,
  malformedStats: z.boolean(),
  script: z.array(outcome),
  revokeAtRequest: z.int().positive().nullable(),
  revokeMode: z.enum(['deauthorize', 'access-token']),
  otherUsers: z
    .strictObject({ requestsPer15Min: z.number().min(0), readShare: probability.optional() })
    .nullable(),
  includeOAuth: z.boolean(),
  seed: z.string(),
});
export type FaultSettings = z.infer<typeof faultSettingsSchema>;
export const faultPatchSchema = faultSettingsSchema.partial();
export type FaultPatch = z.infer<typeof faultPatchSchema>;

export const NO_FAULTS: FaultSettings = {
  latencyMs: 0,
  jitterMs: 0,
  errorRates: {},
  hangRate: 0,
  malformedJsonRate: 0,
  malformedStats: false,
  script: [],
  revokeAtRequest: null,
  revokeMode: 'deauthorize',
  otherUsers: null,
  includeOAuth: false,
  seed: 'faults',
};

export interface FaultDecision {
  delayMs: number;
  outcome: FaultOutcome;
}

export interface Faults {
  readonly settings: Readonly<FaultSettings>;
  set(patch: FaultPatch): FaultSettings;
  reset(): void;
  /** This request's fate; consumes one `script` entry. */
  decide(): FaultDecision;
  /** Counts one API request toward `revokeAtRequest`; true for exactly the Nth. */
  countTowardRevocation(): boolean;
  /** Resolves when the hung request is released (true) or its client went away (false). */
  hang(signal: AbortSignal): Promise<boolean>;
  releaseHung(): number;
  hungCount(): number;
  onChange(listener: (settings: FaultSettings) => void): void;
}

export function createFaults(): Faults {
  let settings: FaultSettings = structuredClone(NO_FAULTS);
  let dice: Random = createRandom(settings.seed);
  let requestsSinceRevokeSet = 0;
  const hung = new Set<() => void>();
  const listeners: ((settings: FaultSettings) => void)[] = [];

  const faults: Faults = {
    get settings() {
      return settings;
    },
    set(patch) {
      const next = faultSettingsSchema.parse({ ...settings, ...patch });
      if (patch.seed !== undefined) dice = createRandom(next.seed);
      if (patch.revokeAtRequest !== undefined) requestsSinceRevokeSet = 0;
      settings = next;
      for (const listener of listeners) listener(settings);
      return settings;
    },
    reset() {
      settings = structuredClone(NO_FAULTS);
      dice = createRandom(settings.seed);
      requestsSinceRevokeSet = 0;
      faults.releaseHung();
      for (const listener of listeners) listener(settings);
    },
    decide() {
      const delayMs =
        settings.latencyMs + (settings.jitterMs > 0 ? dice.next() * settings.jitterMs : 0);
      const scripted = settings.script.shift();
      if (scripted !== undefined) return { delayMs, outcome: scripted };
      let roll = dice.next();
      for (const code of [500, 502, 503, 504] as const) {
        const rate = settings.errorRates[code] ?? 0;
        if (roll < rate) return { delayMs, outcome: code };
        roll -= rate;
      }
      if (dice.next() < settings.hangRate) return { delayMs, outcome: 'hang' };
      if (dice.next() < settings.malformedJsonRate) return { delayMs, outcome: 'malformed' };
      return { delayMs, outcome: 'ok' };
    },
    countTowardRevocation() {
      if (settings.revokeAtRequest === null) return false;
      requestsSinceRevokeSet += 1;
      return requestsSinceRevokeSet === settings.revokeAtRequest;
    },
    hang(signal) {
      return new Promise<boolean>((resolve) => {
        const release = () => {
          hung.delete(release);
          signal.removeEventListener('abort', abandon);
          resolve(true);
        };
        const abandon = () => {
          hung.delete(release);
          resolve(false);
        };
        if (signal.aborted) return resolve(false);
        hung.add(release);
        signal.addEventListener('abort', abandon, { once: true });
      });
    },
    releaseHung() {
      const count = hung.size;
      for (const release of [...hung]) release();
      return count;
    },
    hungCount: () => hung.size,
    onChange(listener) {
      listeners.push(listener);
    },
  };
  return faults;
}

/**
 * What Strava's edge answers with when the service behind it fails. Simplified: these bodies
 * are not from the fixtures; 500 is JSON in Strava's error shape, the gateway errors are the
 * plain text an Envoy/CloudFront edge (the real response headers show both) sends. A client
 * must not assume a 5xx body is JSON.
 */
export function faultResponse(code: FaultStatus): Response {
  const bodies: Record<FaultStatus, [string, string]> = {
    500: ['application/json; charset=utf-8', '{"message":"Internal Server Error","errors":[]}'],
    502: ['text/html', '<html><body><h1>502 Bad Gateway</h1></body></html>'],
    503: [
      'text/plain',
      'upstream connect error or disconnect/reset before headers. reset reason: overflow',
    ],
    504: ['text/plain', 'upstream request timeout'],
  };
  const [contentType, body] = bodies[code];
  return new Response(body, { status: code, headers: { 'Content-Type': contentType } });
}
