import type { Context } from 'hono';
import type { ErrorBody } from '../api/contract.ts';
import {
  type AppError,
  AuthenticationError,
  ConfigError,
  IllegalTransitionError,
  NotFoundError,
  RateLimitedError,
  TransientError,
  toAppError,
  ValidationError,
} from '../core/errors.ts';
import type { Logger } from '../observability/logger.ts';
import type { AppEnv } from './app-env.ts';
import { CORRELATION_HEADER } from './correlation.ts';
import { PayloadTooLargeError } from './payload-too-large-error.ts';

type ErrorClass = abstract new (...args: never[]) => Error;
type LogLevel = 'info' | 'warn' | 'error';

interface StatusRule {
  type: ErrorClass;
  status: number;
  log: LogLevel;
  /** The next step shown when the error itself names none. */
  hint: string;
}

/**
 * Error class → HTTP status, in one place; the first matching row wins, so subclasses go first.
 * 4xx: the caller must change something. ConfigError is 409: the request was understood but the
 * user's state forbids it until they act (reconnect Strava, grant a scope), which a retry alone
 * will not fix. 5xx: our side; 503 says retrying later can succeed.
 */
const STATUS_RULES: readonly StatusRule[] = [
  { type: ValidationError, status: 400, log: 'info', hint: 'Fix the request and send it again.' },
  { type: AuthenticationError, status: 401, log: 'info', hint: 'Sign in again.' },
  { type: NotFoundError, status: 404, log: 'info', hint: 'Check the address and try again.' },
  { type: PayloadTooLargeError, status: 413, log: 'info', hint: 'Send a smaller request body.' },
  {
    type: IllegalTransitionError,
    status: 409,
    log: 'warn',
    hint: 'Reload to see the current state.',
  },
  { type: ConfigError, status: 409, log: 'warn', hint: 'Follow the message, then try again.' },
  { type: RateLimitedError, status: 429, log: 'info', hint: 'Try again after the time given.' },
  { type: TransientError, status: 503, log: 'error', hint: 'Try again in a moment.' },
];

/** Everything else, unknown throws included (toAppError makes them SystemErrors). */
const SYSTEM_RULE: Omit<StatusRule, 'type'> = {
  status: 500,
  log: 'error',
  hint: 'Try again; if it keeps happening, report it with the correlation id.',
};

export interface ErrorResponseOptions {
  correlationId: string;
  logger: Logger;
  /** Overrides the table, e.g. 503 for an app that could not be built at all. */
  status?: number;
}

/** Classifies any thrown value, logs it with the correlation id, and answers in `ErrorBody` shape. */
export function errorResponse(thrown: unknown, options: ErrorResponseOptions): Response {
  const error = toAppError(thrown);
  const rule = STATUS_RULES.find((candidate) => error instanceof candidate.type) ?? SYSTEM_RULE;
  const status = options.status ?? rule.status;
  logError(options.logger, status >= 500 ? 'error' : rule.log, error, status);

  // Only the user-facing fields: `message` (internal detail), stack and cause stay in the log.
  const body: ErrorBody = {
    error: {
      code: error.code,
      message: error.userMessage,
      hint: error.hint ?? rule.hint,
      ...(error instanceof ValidationError ? { fields: [...error.issues] } : {}),
    },
  };
  const headers = new Headers({
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    [CORRELATION_HEADER]: options.correlationId,
  });
  if (status === 401) headers.set('www-authenticate', 'Bearer');
  const retryAfter = error instanceof TransientError ? retryAfterSeconds(error.retryAt) : undefined;
  if ((status === 503 || status === 429) && retryAfter !== undefined) {
    headers.set('retry-after', String(retryAfter));
  }
  return new Response(JSON.stringify(body), { status, headers });
}

/** Hono's `onError`. `fallbackLogger` serves errors raised before the correlation middleware ran. */
export function handleError(fallbackLogger: Logger) {
  return (error: Error, c: Context<AppEnv>): Response =>
    errorResponse(error, {
      correlationId: c.get('correlationId') ?? crypto.randomUUID(),
      logger: c.get('logger') ?? fallbackLogger,
    });
}

/** Hono's `notFound`: the same JSON shape as every other error. */
export function handleNotFound(c: Context): Response {
  return c.json(
    {
      error: {
        code: 'not_found',
        message: 'There is nothing at this address.',
        hint: 'Check the method and the URL.',
      },
    } satisfies ErrorBody,
    404,
  );
}

function logError(logger: Logger, level: LogLevel, error: AppError, status: number): void {
  const fields = { err: error, code: error.code, status };
  // Expected 4xx need no stack; 5xx keep the error with its cause chain for the investigation.
  if (level === 'error') logger.error(fields, error.userMessage);
  else logger[level]({ code: error.code, status, detail: error.message }, error.userMessage);
}

function retryAfterSeconds(retryAt: Date | undefined): number | undefined {
  if (!retryAt) return undefined;
  return Math.max(1, Math.ceil((retryAt.getTime() - Date.now()) / 1000));
}
