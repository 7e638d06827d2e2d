import { z } from 'zod';
import {
  type AppError,
  ConfigError,
  RateLimitedError,
  SystemError,
  TransientError,
} from '../core/errors.ts';

/**
 * What a failed Strava response means and what to do about it, in one table (Airbyte's
 * `default_error_mapping`), instead of `if (status === …)` scattered around the client. Rules
 * are tried in order; the first match wins. Strava's error bodies look like
 * `{"message":"Authorization Error","errors":[{"resource":"AccessToken","field":"activity:read_permission","code":"missing"}]}`
 * (see test/fixtures/api-samples); some 404s come with an empty body.
 */
export type StravaAction =
  /** The access token was refused: refresh it once and retry; if refused again, reconnect. */
  | 'refresh_and_retry'
  /** The user must connect Strava again (refresh token invalid, access revoked). */
  | 'reconnect'
  /** The token lacks the scope to read activities. */
  | 'grant_scope'
  /** The operator must act (the application's API access is inactive). */
  | 'operator'
  /** The record is gone: skip it, the rest goes on. */
  | 'skip_record'
  /** The budget is spent: park until the window resets. */
  | 'rate_limited'
  /** Transient trouble at Strava: retry with backoff. */
  | 'retry'
  /** Our request was wrong: a bug. */
  | 'fail';

export const stravaErrorBodySchema = z.looseObject({
  message: z.string().optional(),
  errors: z
    .array(
      z.looseObject({
        resource: z.string().optional(),
        field: z.string().optional(),
        code: z.string().optional(),
      }),
    )
    .optional(),
});
export type StravaErrorBody = z.infer<typeof stravaErrorBodySchema>;

export interface StravaFailure {
  action: StravaAction;
  status: number;
  code: string;
  failureType: AppError['failureType'];
  userMessage: string;
  hint: string;
}

interface Rule extends Omit<StravaFailure, 'status'> {
  matches(status: number, body: StravaErrorBody): boolean;
}

const hasError = (
  body: StravaErrorBody,
  test: { resource?: string; field?: string; code?: string },
) =>
  (body.errors ?? []).some(
    (e) =>
      (test.resource === undefined || e.resource === test.resource) &&
      (test.field === undefined || e.field === test.field) &&
      (test.code === undefined || e.code === test.code),
  );

const RECONNECT_HINT = 'Reconnect Strava from the dashboard; your stored runs are kept.';

const RULES: readonly Rule[] = [
  {
    matches: (s, b) =>
      s === 401 && hasError(b, { field: 'activity:read_permission', code: 'missing' }),
    action: 'grant_scope',
    code: 'strava_scope_missing',
    failureType: 'config',
    userMessage: 'Strava did not give stridesync permission to read your activities.',
    hint: 'Reconnect Strava and leave "View data about your activities" ticked (including private ones).',
  },
  {
    matches: (s) => s === 401,
    action: 'refresh_and_retry',
    code: 'strava_token_refused',
    failureType: 'config',
    userMessage: 'Strava no longer accepts stridesync’s access for your account.',
    hint: RECONNECT_HINT,
  },
  {
    matches: (s) => s === 403,
    action: 'operator',
    code: 'strava_app_inactive',
    failureType: 'config',
    userMessage: 'Strava refused this application: its API access is inactive or restricted.',
    hint: 'This needs the operator: check the application at strava.com/settings/api. Your data is safe.',
  },
  {
    matches: (s) => s === 404,
    action: 'skip_record',
    code: 'strava_not_found',
    failureType: 'transient',
    userMessage: 'This activity no longer exists on Strava.',
    hint: 'Nothing to do: it was probably deleted on Strava.',
  },
  {
    matches: (s) => s === 429,
    action: 'rate_limited',
    code: 'strava_rate_limited',
    failureType: 'transient',
    userMessage: 'Strava’s request limit for this app is reached for now.',
    hint: 'Nothing is lost: the sync waits for the limit window to reset and goes on by itself.',
  },
  {
    matches: (s) => s >= 500,
    action: 'retry',
    code: 'strava_unavailable',
    failureType: 'transient',
    userMessage: 'Strava is having trouble answering right now.',
    hint: 'The sync retries by itself; if it keeps failing, try again later.',
  },
  {
    matches: () => true,
    action: 'fail',
    code: 'strava_request_rejected',
    failureType: 'system',
    userMessage: 'Strava rejected a request stridesync made.',
    hint: 'This is a bug in stridesync: please report it with the correlation id.',
  },
];

/** Classifies a failed response; `body` is the parsed JSON body, or anything unparseable. */
export function classifyStravaFailure(status: number, body: unknown): StravaFailure {
  const parsed = stravaErrorBodySchema.safeParse(body);
  const errorBody = parsed.success ? parsed.data : {};
  const rule = RULES.find((r) => r.matches(status, errorBody)) as Rule;
  const { matches: _matches, ...failure } = rule;
  return { ...failure, status };
}

/** The error to throw for a classified failure; `resumeAt` is required for `rate_limited`. */
export function stravaFailureError(
  failure: StravaFailure,
  detail: string,
  resumeAt?: Date,
): AppError {
  const options = {
    code: failure.code,
    userMessage: failure.userMessage,
    hint: failure.hint,
    detail,
  };
  if (failure.action === 'rate_limited' && resumeAt)
    return new RateLimitedError({ ...options, resumeAt });
  if (failure.failureType === 'config') return new ConfigError(options);
  if (failure.failureType === 'transient') return new TransientError(options);
  return new SystemError(options);
}

/**
 * A successful answer's body checked against what Strava documents. One that does not match (a
 * changed API, a proxy's page, a field gone null) is Strava's malformed answer, the same
 * `TransientError` as a body cut short, never a bug of ours: the caller retries or goes on
 * without it, and the schema's complaint is kept for the logs.
 */
export function parseStravaAnswer<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new TransientError({
    code: 'strava_malformed_response',
    userMessage: 'Strava sent an answer stridesync could not read.',
    hint: 'The sync retries by itself.',
    detail: `${what} is not the documented shape: ${z.prettifyError(parsed.error)}`,
    cause: parsed.error,
  });
}
