import { Hono } from 'hono';
import type { Database } from '../../store/database.ts';
import { roundTrip } from '../../store/round-trip.ts';
import type { AppEnv } from '../app-env.ts';

/** A database slower than this is as good as down for a user waiting on a page. */
export const HEALTH_TIMEOUT_MS = 2_000;

export type DatabaseCheck =
  | { kind: Database['kind']; ok: true; latencyMs: number }
  | {
      kind: Database['kind'];
      ok: false;
      latencyMs: number;
      reason: 'timeout' | 'query_failed';
      error: unknown;
    };

/** One round trip to the database, bounded by `timeoutMs`; never throws. */
export async function checkDatabase(
  db: Database,
  timeoutMs = HEALTH_TIMEOUT_MS,
): Promise<DatabaseCheck> {
  const startedAt = performance.now();
  const elapsed = () => Math.round(performance.now() - startedAt);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    // A timed-out query keeps running on its connection; the answer just does not wait for it.
    const outcome = await Promise.race([roundTrip(db), timeout]);
    if (outcome === 'timeout') {
      return {
        kind: db.kind,
        ok: false,
        latencyMs: elapsed(),
        reason: 'timeout',
        error: undefined,
      };
    }
    return { kind: db.kind, ok: true, latencyMs: elapsed() };
  } catch (error) {
    return { kind: db.kind, ok: false, latencyMs: elapsed(), reason: 'query_failed', error };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `GET /api/health`: public (load balancers and uptime checks hold no token) and in its own plain
 * shape rather than the error shape, so a monitor reads one format whatever the outcome.
 */
export function healthRoutes({ db, version }: { db: Database; version?: string }) {
  return new Hono<AppEnv>().get('/api/health', async (c) => {
    const check = await checkDatabase(db);
    c.header('cache-control', 'no-store');
    if (check.ok) {
      return c.json({ status: 'ok', database: check, version: version ?? null }, 200);
    }
    const { error, ...database } = check;
    c.get('logger').error({ err: error, database }, 'health check: database unavailable');
    return c.json({ status: 'unavailable', database, version: version ?? null }, 503);
  });
}
