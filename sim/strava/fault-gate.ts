import type { MiddlewareHandler } from 'hono';
import type { SimContext, SimEnv } from './context.ts';
import { faultResponse } from './faults.ts';
import { endpointName } from './inspector.ts';

/**
 * The first thing a request meets: the inspector's count (wrapped around everything), then
 * the fault dice. Order matters: latency before the outcome, so a 503 is slow too; faults
 * before authentication and rate limiting, as an edge failure would be.
 */
export function inspectorGate(context: SimContext): MiddlewareHandler<SimEnv> {
  return async (c, next) => {
    await next();
    if (!c.get('hung'))
      context.inspector.record(endpointName(c.req.method, c.req.path), c.res.status);
  };
}

export function faultGate(context: SimContext, applies: () => boolean): MiddlewareHandler<SimEnv> {
  return async (c, next) => {
    if (!applies()) return next();
    const { delayMs, outcome } = context.faults.decide();
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (typeof outcome === 'number') {
      c.res = faultResponse(outcome);
      return;
    }
    if (outcome === 'hang') {
      c.set('hung', true);
      context.inspector.record(endpointName(c.req.method, c.req.path), 'hung');
      await context.faults.hang(c.req.raw.signal);
      // Released (close/reset) or abandoned by the client: either way nobody waits for a
      // real answer any more.
      c.res = faultResponse(504);
      return;
    }
    await next();
    if (outcome === 'malformed' && c.res.status === 200) {
      const text = await c.res.text();
      // Cut mid-value: the kind of body a dropped connection or a proxy bug leaves.
      const cut = text.slice(0, Math.max(1, Math.floor(text.length * 0.6)));
      c.res = new Response(cut, {
        status: 200,
        headers: { 'Content-Type': c.res.headers.get('content-type') ?? 'application/json' },
      });
    }
  };
}
