/**
 * Errors a user or operator can see. Each carries a failure type that tells the caller what to
 * do next (Airbyte's taxonomy), a plain message and a next step for the user, and the internal
 * cause, which is logged but never shown.
 *
 * - `config`: someone must act (reconnect Strava, fix an environment variable, send a valid body).
 * - `transient`: retrying later can succeed (5xx, timeouts, a spent rate-limit budget).
 * - `system`: a bug or a broken invariant; retrying will not help.
 */
export type FailureType = 'config' | 'transient' | 'system';

export interface AppErrorOptions {
  /** Stable, machine-readable code, e.g. `strava_reconnect_required`. */
  code: string;
  /** What the user sees: plain words, no internals. */
  userMessage: string;
  /** The next step for the user, e.g. "Reconnect Strava from the dashboard". */
  hint?: string;
  /** Internal detail for logs; defaults to the user message. */
  detail?: string;
  cause?: unknown;
}

export abstract class AppError extends Error {
  abstract readonly failureType: FailureType;
  readonly code: string;
  readonly userMessage: string;
  readonly hint: string | undefined;

  constructor(options: AppErrorOptions) {
    super(options.detail ?? options.userMessage, { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.userMessage = options.userMessage;
    this.hint = options.hint;
  }
}

/** Someone must act: the user (reconnect, grant a scope) or the operator (fix configuration). */
export class ConfigError extends AppError {
  readonly failureType = 'config';
}

/** Retrying later can succeed. `retryAt`, when known, is the earliest moment worth retrying. */
export class TransientError extends AppError {
  readonly failureType = 'transient';
  readonly retryAt: Date | undefined;

  constructor(options: AppErrorOptions & { retryAt?: Date }) {
    super(options);
    this.retryAt = options.retryAt;
  }
}

/**
 * An API budget is spent until `resumeAt` (the next window boundary). The caller parks the work
 * and resumes then; it never sleeps minutes inside a request or a function.
 */
export class RateLimitedError extends TransientError {
  readonly resumeAt: Date;

  constructor(options: AppErrorOptions & { resumeAt: Date }) {
    super({ ...options, retryAt: options.resumeAt });
    this.resumeAt = options.resumeAt;
  }
}

/** A bug or a broken invariant. */
export class SystemError extends AppError {
  readonly failureType = 'system';
}

export interface FieldIssue {
  /** Dotted path to the offending field, e.g. `body.kind`; empty for the whole input. */
  path: string;
  message: string;
}

/** Input that fails its schema: a request body, an environment variable, a Strava record. */
export class ValidationError extends AppError {
  readonly failureType = 'config';
  readonly issues: readonly FieldIssue[];

  constructor(options: AppErrorOptions & { issues: readonly FieldIssue[] }) {
    super(options);
    this.issues = options.issues;
  }
}

/** What was asked for does not exist or is not the caller's: one answer for both, so ids cannot be probed. */
export class NotFoundError extends AppError {
  readonly failureType = 'config';
}

/** A request without valid credentials. */
export class AuthenticationError extends AppError {
  readonly failureType = 'config';
}

/** A move the sync session state machine does not allow. */
export class IllegalTransitionError extends AppError {
  readonly failureType = 'system';
}

/** Anything thrown that is not an AppError becomes a system error with the original as cause. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  return new SystemError({
    code: 'internal_error',
    userMessage: 'Something went wrong on our side.',
    hint: 'Try again; if it keeps happening, report it with the correlation id.',
    detail: error instanceof Error ? error.message : String(error),
    cause: error,
  });
}
