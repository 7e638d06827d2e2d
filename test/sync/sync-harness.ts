import { DEFAULT_LEASE_TTL_MS } from '../../src/config/defaults.ts';
import type { RunOutcome } from '../../src/core/sync-events.ts';
import { createLogger } from '../../src/observability/logger.ts';
import type { Database } from '../../src/store/database.ts';
import { sessionStore } from '../../src/store/session-store.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import type { RunOptions, SyncDeps } from '../../src/sync/sync-deps.ts';
import type { StravaHarness } from '../support/strava-harness.ts';

export const RUN_TYPES = ['Run', 'TrailRun', 'VirtualRun'];

export function syncDeps(
  db: Database,
  h: StravaHarness,
  overrides: Partial<SyncDeps> = {},
): SyncDeps {
  return {
    db,
    clock: h.clock,
    logger: createLogger('silent'),
    strava: { client: h.client, tokens: h.tokens, connections: h.store },
    sportTypes: RUN_TYPES,
    purgeOnDeauthorize: false,
    ...overrides,
  };
}

export async function startSession(
  db: Database,
  userId: string,
  kind: 'backfill' | 'incremental' = 'backfill',
) {
  return (await sessionStore.start(db, { userId, kind, correlationId: `test-${kind}` })).session;
}

/** Runs the session until it ends, counting runs; `options` may shorten the deadline. */
export async function runToEnd(
  deps: SyncDeps,
  sessionId: string,
  options: Partial<RunOptions> = {},
  maxRuns = 200,
): Promise<{ outcomes: RunOutcome[] }> {
  const outcomes: RunOutcome[] = [];
  for (let run = 0; run < maxRuns; run++) {
    const outcome = await runSync(deps, {
      sessionId,
      owner: `worker-${run % 3}`,
      deadlineMs: Number.MAX_SAFE_INTEGER,
      leaseTtlMs: DEFAULT_LEASE_TTL_MS,
      ...options,
    });
    outcomes.push(outcome);
    if (['completed', 'cancelled', 'failed'].includes(outcome.status)) return { outcomes };
  }
  throw new Error(`session did not end in ${maxRuns} runs: ${JSON.stringify(outcomes.slice(-3))}`);
}

export async function storedIds(db: Database, userId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    'select id from activities where user_id = $1 and deleted_at is null order by id',
    [userId],
  );
  return rows.map((r) => r.id);
}

export async function eventTypes(db: Database, sessionId: string): Promise<string[]> {
  const { rows } = await db.query<{ type: string; payload: { to?: string } }>(
    'select type, payload from sync_events where session_id = $1 order by id',
    [sessionId],
  );
  return rows.map((r) => (r.type === 'sync:phase' ? `phase:${r.payload.to}` : r.type));
}

/** The simulator's runs of the athlete, as the sync should store them. */
export function simRunIds(h: StravaHarness): string[] {
  return h.sim
    .activitiesOf(Number(h.athleteId))
    .filter((a) => RUN_TYPES.includes(a.sportType))
    .map((a) => String(a.id))
    .sort();
}
