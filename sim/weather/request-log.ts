import type { Context, MiddlewareHandler } from 'hono';

/** What a simulator has answered, for tests and the lead's dashboards. */
export interface RequestCounts {
  total: number;
  /** `{ 'onecall/timemachine': { '200': 3, '429': 1 } }` */
  byEndpoint: Record<string, Record<string, number>>;
  /** Requests per API key (or client id), whatever the outcome; absent keys are not listed. */
  byKey: Record<string, number>;
}

export interface RequestLog {
  /** Outermost middleware: records the final status, injected faults included. */
  middleware: MiddlewareHandler;
  snapshot(): RequestCounts;
  reset(): void;
}

/**
 * `endpointOf(path)` names the endpoint from the request path; it must match on the path's
 * end, because the app may be mounted under any prefix.
 */
export function createRequestLog(
  endpointOf: (path: string) => string,
  keyOf: (c: Context) => string | undefined = () => undefined,
): RequestLog {
  let counts = empty();
  return {
    async middleware(c, next) {
      await next();
      const endpoint = endpointOf(c.req.path);
      const status = String(c.res.status);
      const byStatus = counts.byEndpoint[endpoint] ?? {};
      byStatus[status] = (byStatus[status] ?? 0) + 1;
      counts.byEndpoint[endpoint] = byStatus;
      counts.total += 1;
      const key = keyOf(c);
      if (key !== undefined) counts.byKey[key] = (counts.byKey[key] ?? 0) + 1;
    },
    snapshot: () => structuredClone(counts),
    reset() {
      counts = empty();
    },
  };
}

function empty(): RequestCounts {
  return { total: 0, byEndpoint: {}, byKey: {} };
}
