import type { Context } from '@netlify/functions';
import { CORRELATION_HEADER, resolveCorrelationId } from '../../http/correlation.ts';
import { errorResponse } from '../../http/error-response.ts';
import { createLogger, LOG_LEVELS, type Logger } from '../../observability/logger.ts';
import type { NetlifyApp } from './netlify-app.ts';

export type NetlifyHandler = (req: Request, context: Context) => Promise<Response>;

/**
 * A Netlify Functions v2 handler over the app `build` returns. The app is built once per function
 * instance and reused by its later invocations (the database pool with it). A failed build is
 * forgotten, so the next request tries again (a secret set after a cold start, a database back up)
 * and meanwhile the caller gets a 503 in the usual error shape instead of a crashed function.
 */
export function createNetlifyHandler(
  build: () => Promise<NetlifyApp>,
  logger?: Logger,
): NetlifyHandler {
  let app: Promise<NetlifyApp> | undefined;
  const getApp = () => {
    app ??= build().catch((error: unknown) => {
      app = undefined;
      throw error;
    });
    return app;
  };

  return async (req, context) => {
    let built: NetlifyApp;
    try {
      built = await getApp();
    } catch (error) {
      const correlationId = resolveCorrelationId(req.headers.get(CORRELATION_HEADER));
      return errorResponse(error, {
        correlationId,
        logger: (logger ?? fallbackLogger()).child({ correlationId }),
        status: 503,
      });
    }
    return built.fetch(req, { context });
  };
}

/** The configuration may be what failed to load, so LOG_LEVEL is read leniently here. */
export function fallbackLogger(): Logger {
  const wanted = process.env.LOG_LEVEL?.trim();
  return createLogger(LOG_LEVELS.find((level) => level === wanted) ?? 'info');
}
