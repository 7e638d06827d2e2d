import type { ApiLedger, BudgetShare } from '../budget/api-ledger.ts';
import { parseStravaUsageHeaders, stravaBudgetLines, windowAt } from '../budget/rate-windows.ts';
import type { Clock } from '../core/clock.ts';
import { ConfigError, type RateLimitedError, TransientError } from '../core/errors.ts';
import { createResilientFetch, type ResilientFetchOptions } from '../net/resilient-fetch.ts';
import { classifyStravaFailure, parseStravaAnswer, stravaFailureError } from './strava-errors.ts';
import {
  type StravaAthlete,
  type StravaAthleteStats,
  type StravaTokenResponse,
  stravaAthleteSchema,
  stravaAthleteStatsSchema,
  stravaTokenResponseSchema,
} from './strava-schemas.ts';

/**
 * Strava's API and OAuth endpoints, with the base URLs from configuration (real Strava, the
 * simulator, a proxy). Every API call first reserves budget in the shared ledger and corrects
 * it with the usage headers of the response, so all processes spend one budget; a 429 or a
 * spent budget ends in a RateLimitedError carrying the window's end, never in a sleep.
 * OAuth endpoints are not budgeted: Strava does not count them against the API limits.
 */
export interface StravaClientOptions {
  apiUrl: string;
  oauthUrl: string;
  clientId: string;
  clientSecret: string;
  ledger: ApiLedger;
  clock: Clock;
  /** Overrides for retries and timeouts (tests pass a sleep that moves a manual clock). */
  http?: Partial<Omit<ResilientFetchOptions, 'service' | 'clock'>>;
}

export interface ListActivitiesParams {
  /** Epoch seconds: only activities that started before. */
  before?: number;
  /** Epoch seconds: only activities that started after. */
  after?: number;
  page?: number;
  perPage?: number;
}

export interface StravaClient {
  exchangeCode(code: string): Promise<StravaTokenResponse>;
  refreshToken(refreshToken: string): Promise<StravaTokenResponse>;
  deauthorize(accessToken: string): Promise<void>;
  /** `shares`: the lower ceilings of the work asking (webhook events: STRAVA_EVENT_SHARES). */
  getAthlete(accessToken: string, shares?: readonly BudgetShare[]): Promise<StravaAthlete>;
  getAthleteStats(accessToken: string, athleteId: string): Promise<StravaAthleteStats>;
  /** One page of summaries, raw: each is validated by the caller, so one bad record skips alone. */
  listActivities(accessToken: string, params: ListActivitiesParams): Promise<unknown[]>;
  getActivity(
    accessToken: string,
    activityId: string,
    shares?: readonly BudgetShare[],
  ): Promise<unknown>;
}

export const STRAVA_PROVIDER = 'strava';
export const MAX_PER_PAGE = 200;

export function createStravaClient(options: StravaClientOptions): StravaClient {
  const send = createResilientFetch({
    service: 'Strava',
    api: STRAVA_PROVIDER,
    clock: options.clock,
    ...options.http,
  });
  const { ledger, clock } = options;

  async function api(
    method: 'GET' | 'POST',
    path: string,
    token: string,
    query: Record<string, unknown> = {},
    shares: readonly BudgetShare[] = [],
  ) {
    const url = new URL(`${options.apiUrl}${path}`);
    for (const [key, value] of Object.entries(query))
      if (value !== undefined) url.searchParams.set(key, String(value));
    const response = await send(
      url.toString(),
      { method, headers: { authorization: `Bearer ${token}`, accept: 'application/json' } },
      {
        beforeAttempt: () => ledger.reserve(STRAVA_PROVIDER, stravaBudgetLines(method), 1, shares),
        onResponse: (r) => ledger.observe(STRAVA_PROVIDER, parseStravaUsageHeaders(r.headers)),
      },
    );
    const body = await readJson(response);
    if (response.ok) return body;
    const failure = classifyStravaFailure(response.status, body);
    const detail = `${method} ${url.pathname} → ${response.status}`;
    if (failure.action === 'rate_limited') throw await rateLimited(response, detail);
    throw stravaFailureError(failure, detail);
  }

  /** Strava said 429: park until the window it reports full ends, and tell the ledger. */
  async function rateLimited(response: Response, detail: string): Promise<RateLimitedError> {
    const now = clock.now();
    const usage = parseStravaUsageHeaders(response.headers);
    const dailyFull = usage.some((u) => u.window === 'daily' && u.used >= u.limit);
    const window = windowAt(dailyFull ? 'daily' : '15min', now);
    const buckets = dailyFull ? ['overall:daily', 'read:daily'] : ['overall:15min', 'read:15min'];
    // Whatever the headers said, Strava refused: this window is full for every process.
    await ledger.observe(
      STRAVA_PROVIDER,
      stravaBudgetLines('GET')
        .filter((line) => buckets.includes(line.bucket))
        .map((line) => {
          const reported = usage.find((u) => u.bucket === line.bucket);
          const limit = reported?.limit ?? line.limit;
          return { ...line, limit, used: Math.max(limit, reported?.used ?? 0) };
        }),
      now,
    );
    const failure = classifyStravaFailure(429, {});
    return stravaFailureError(failure, detail, window.end) as RateLimitedError;
  }

  /**
   * A token request. A refresh is sent once, never retried: Strava rotates the refresh token when
   * it acts, so a retry after a lost or unreadable answer would present a dead token. Every
   * TransientError from a refresh therefore means "Strava may have acted" (see token-manager.ts).
   */
  async function oauth(path: string, form: Record<string, string>): Promise<StravaTokenResponse> {
    const response = await send(
      `${options.oauthUrl}${path}`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams(form).toString(),
      },
      { retry: form.grant_type !== 'refresh_token' },
    );
    const body = await readJson(response);
    if (response.status >= 500) {
      throw new TransientError({
        code: 'strava_unavailable',
        userMessage: 'Strava is having trouble answering right now.',
        hint: 'Try again in a few minutes.',
        detail: `POST ${path} → ${response.status}`,
      });
    }
    const parsed = stravaTokenResponseSchema.safeParse(body);
    if (response.ok && parsed.success) return parsed.data;
    if (response.ok) {
      // Strava accepted the request (and may have used up the code or rotated the refresh
      // token) but its answer cannot be read: not a refusal.
      throw new TransientError({
        code: 'strava_malformed_response',
        userMessage: 'Strava sent an answer stridesync could not read.',
        hint: 'Try again in a few minutes.',
        detail: `POST ${path} → ${response.status}: not a token response`,
      });
    }
    throw new ConfigError({
      code: 'strava_reconnect_required',
      userMessage:
        form.grant_type === 'authorization_code'
          ? 'Strava did not accept this authorization: it expired or was already used.'
          : 'Strava no longer accepts stridesync’s access for your account.',
      hint: 'Reconnect Strava from the dashboard; your stored runs are kept.',
      detail: `POST ${path} → ${response.status}: ${describeErrors(body)}`,
    });
  }

  const credentials = { client_id: options.clientId, client_secret: options.clientSecret };

  return {
    exchangeCode: (code) =>
      oauth('/token', { ...credentials, code, grant_type: 'authorization_code' }),
    refreshToken: (refreshToken) =>
      oauth('/token', { ...credentials, refresh_token: refreshToken, grant_type: 'refresh_token' }),
    async deauthorize(accessToken) {
      const response = await send(`${options.oauthUrl}/deauthorize`, {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}` },
      });
      await response.body?.cancel();
      // 401: the token is already dead, which is what deauthorizing wanted.
      if (!response.ok && response.status !== 401) {
        throw new TransientError({
          code: 'strava_deauthorize_failed',
          userMessage: 'Strava did not confirm the disconnection.',
          hint: 'Try again; you can also revoke access at strava.com/settings/apps.',
          detail: `POST /deauthorize → ${response.status}`,
        });
      }
    },
    getAthlete: async (token, shares) =>
      parseStravaAnswer(
        stravaAthleteSchema,
        await api('GET', '/athlete', token, {}, shares),
        'GET /athlete',
      ),
    getAthleteStats: async (token, athleteId) =>
      parseStravaAnswer(
        stravaAthleteStatsSchema,
        await api('GET', `/athletes/${athleteId}/stats`, token),
        'GET /athletes/{id}/stats',
      ),
    async listActivities(token, params) {
      const body = await api('GET', '/athlete/activities', token, {
        before: params.before,
        after: params.after,
        page: params.page,
        per_page: params.perPage ?? MAX_PER_PAGE,
      });
      if (!Array.isArray(body)) {
        throw new TransientError({
          code: 'strava_malformed_response',
          userMessage: 'Strava sent an answer stridesync could not read.',
          hint: 'The sync retries by itself.',
          detail: 'GET /athlete/activities did not return an array',
        });
      }
      return body;
    },
    getActivity: (token, activityId, shares) =>
      api('GET', `/activities/${activityId}`, token, {}, shares),
  };
}

/** The body as JSON; malformed JSON (a proxy's HTML page, a cut-off body) becomes undefined. */
async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    if (response.ok) {
      throw new TransientError({
        code: 'strava_malformed_response',
        userMessage: 'Strava sent an answer stridesync could not read.',
        hint: 'The sync retries by itself.',
        detail: `malformed JSON (${text.length} bytes) with status ${response.status}`,
      });
    }
    return undefined;
  }
}

function describeErrors(body: unknown): string {
  const errors = (body as { errors?: unknown } | undefined)?.errors;
  return Array.isArray(errors) ? JSON.stringify(errors) : 'no error details';
}
