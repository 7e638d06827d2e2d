import { Hono } from 'hono';
import { createApiLedger } from '../../budget/api-ledger.ts';
import type { Clock } from '../../core/clock.ts';
import { assessReadiness } from '../../queue/readiness.ts';
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
 * shape rather than the error shape, so a monitor reads one format whatever the outcome. It stays
 * one round trip (liveness); `GET /api/health/ready` reads every part (src/queue/readiness.ts):
 * 503 when the service cannot do its job, `degraded` naming the part that fails. It shows no
 * user, run or secret, only the parts' states, so it is public too.
 */
export function healthRoutes({
  db,
  clock,
  version,
  apis = [],
}: {
  db: Database;
  clock: Clock;
  version?: string;
  /** The external APIs this install uses (ledger names): listed before their first call. */
  apis?: readonly string[];
}) {
  const ledger = createApiLedger(db, clock);
  return new Hono<AppEnv>()
    .get('/api/health/ready', async (c) => {
      c.header('cache-control', 'no-store');
      const check = await checkDatabase(db);
      if (!check.ok) {
        const { error, ...database } = check;
        c.get('logger').error({ err: error, database }, 'readiness: database unavailable');
        return c.json(unavailable(database, version), 503);
      }
      let readiness: Awaited<ReturnType<typeof assessReadiness>>;
      try {
        readiness = await assessReadiness({ db, clock, ledger, apis });
      } catch (error) {
        const database = { ...check, ok: false, reason: 'query_failed' as const };
        c.get('logger').error({ err: error }, 'readiness: reading the database failed');
        return c.json(unavailable(database, version), 503);
      }
      const { status, problems, ...parts } = readiness;
      if (status !== 'ok') c.get('logger').warn({ status, problems }, 'readiness: not ok');
      return c.json(
        {
          status,
          reasons: problems.map((p) => p.reason),
          problems: problems.map((p) => p.key),
          database: check,
          ...parts,
          version: version ?? null,
        },
        status === 'unavailable' ? 503 : 200,
      );
    })
    .get('/api/health', async (c) => {
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

function unavailable(database: Omit<DatabaseCheck, 'error'>, version: string | undefined) {
  return {
    status: 'unavailable',
    reasons: [
      `The database does not answer (${'reason' in database ? database.reason : 'unknown'}): nothing can be synced or shown. Check DATABASE_URL and that the database is up.`,
    ],
    problems: ['database_unavailable'],
    database,
    version: version ?? null,
  };
}
