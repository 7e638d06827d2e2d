import type { MiddlewareHandler } from 'hono';
import { withLogContext } from '../observability/log-context.ts';
import type { Logger } from '../observability/logger.ts';
import type { AppEnv } from './app-env.ts';

export const CORRELATION_HEADER = 'x-correlation-id';

/**
 * A caller's id is kept only when it cannot forge a log line or bloat one: a newline in it would
 * start a fake entry in line-based log viewers.
 */
const SAFE_CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function resolveCorrelationId(supplied: string | null | undefined): string {
  return supplied && SAFE_CORRELATION_ID.test(supplied) ? supplied : crypto.randomUUID();
}

/**
 * Gives every request a correlation id (the caller's, or a new one), a logger bound to it, the
 * id on the response (error responses included), and one log line when it ends. Mount it first,
 * so every later middleware and the error handler see the id.
 */
export function correlation(logger: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const startedAt = performance.now();
    const correlationId = resolveCorrelationId(c.req.header(CORRELATION_HEADER));
    const log = logger.child({ correlationId });
    c.set('correlationId', correlationId);
    c.set('logger', log);

    // Lines logged by shared parts while the request is served (a token refresh) name it too.
    await withLogContext({ correlationId }, next);

    // Set on the final response, whoever built it: a handler, notFound or onError.
    c.header(CORRELATION_HEADER, correlationId);
    // The path only: query strings can carry OAuth codes; headers (Authorization) never logged.
    log.info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - startedAt),
      },
      'request',
    );
  };
}
