import type { ErrorBody } from '../api/contract.ts';
import type { FieldIssue } from '../core/errors.ts';

/** The response header the server names each request's log lines by. */
export const CORRELATION_HEADER = 'x-correlation-id';

export interface ApiErrorOptions {
  /** The HTTP status; 0 when no answer arrived (network) or the request was never sent. */
  status: number;
  code: string;
  message: string;
  hint: string;
  fields?: FieldIssue[];
  correlationId?: string | null;
  retryAfterS?: number | null;
  cause?: unknown;
}

/**
 * An error answer, with the user-facing message as `message` and the next step as `hint`, so a
 * page can show both as they are. `correlationId` is what a user quotes in a report; the server's
 * log lines for the request carry the same id.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly code: string;
  readonly hint: string;
  readonly fields?: FieldIssue[];
  readonly correlationId: string | null;
  /** Seconds until a retry can succeed (`Retry-After` of a 429 or 503), when the server said. */
  readonly retryAfterS: number | null;

  constructor(options: ApiErrorOptions) {
    super(options.message, { cause: options.cause });
    this.status = options.status;
    this.code = options.code;
    this.hint = options.hint;
    if (options.fields) this.fields = options.fields;
    this.correlationId = options.correlationId ?? null;
    this.retryAfterS = options.retryAfterS ?? null;
  }

  /**
   * Whether trying the same request again later can succeed: no answer, a timeout, a rate limit
   * or a server-side failure. Everything else (401, 404, a refused input) needs someone to act.
   */
  get isTransient(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

/** The request never got an answer: offline, DNS, a refused connection, a blocked request. */
export function networkError(cause: unknown): ApiError {
  return new ApiError({
    status: 0,
    code: 'network_unreachable',
    message: 'Could not reach the stridesync server.',
    hint: 'Check your internet connection and that the server is running, then try again.',
    cause,
  });
}

/** Reads an error answer in the API's one shape; anything else (a proxy's page) is said plainly. */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  const correlationId = response.headers.get(CORRELATION_HEADER);
  const retryAfterS = retryAfterSeconds(response.headers.get('retry-after'));
  const body = await response.json().catch(() => undefined);
  if (isErrorBody(body)) {
    const { code, message, hint, fields } = body.error;
    return new ApiError({
      status: response.status,
      code,
      message,
      hint,
      ...(fields ? { fields } : {}),
      correlationId,
      retryAfterS,
    });
  }
  return new ApiError({
    status: response.status,
    code: 'unexpected_response',
    message: `The stridesync server answered with an unexpected ${response.status} response.`,
    hint: 'Try again in a moment; if it keeps happening, check the server and anything between it and you (a proxy).',
    correlationId,
    retryAfterS,
  });
}

function isErrorBody(body: unknown): body is ErrorBody {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const error = (body as { error: unknown }).error as Partial<ErrorBody['error']> | null;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof error.code === 'string' &&
    typeof error.message === 'string' &&
    typeof error.hint === 'string'
  );
}

/** `Retry-After` is either seconds or an HTTP date. */
function retryAfterSeconds(header: string | null): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}
