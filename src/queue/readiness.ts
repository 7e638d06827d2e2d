import type { ApiLedger } from '../budget/api-ledger.ts';
import type { Clock } from '../core/clock.ts';
import type { Database } from '../store/database.ts';
import { metricCounts } from '../store/metric-counts.ts';
import { migrationStatus } from '../store/migrations.ts';
import { type ErrorClass, opsStore, type ProviderHealthRow } from '../store/ops-store.ts';
import { queueBacklog } from './job-counts.ts';

/**
 * Whether this install can do its job, part by part, from what every process recorded in the
 * database (so a Netlify function answers for the workers too). `GET /api/health/ready` serves
 * it; the alert watch turns its problems into incidents.
 *
 * - `unavailable` (503): the database does not answer, or its schema is behind the code;
 * - `degraded`: a part fails and the sync runs without it or slower: a provider refusing the
 *   operator's settings, a circuit open, a budget window spent, sessions stuck past their
 *   lease, a queue not drained, most recent syncs failing;
 * - `ok` otherwise. Each problem names its part; it clears itself when the part recovers (the
 *   provider answers again, the window resets, the reaper hands the session on).
 */

/** A session whose lease ran out this long ago and was never taken over is stuck. */
export const STUCK_AFTER_MS = 5 * 60_000;
/** A due job waiting longer than this means no worker is draining its queue. */
export const QUEUE_AGE_LIMIT_S = 15 * 60;
/** Syncs failing: of the sessions that ended in the last hour, at least this many … */
export const FAILURE_MIN_SESSIONS = 3;
/** … and at least this share failed. */
export const FAILURE_SHARE = 0.5;

export interface Problem {
  /** Stable per condition and part, e.g. `provider_config_error:open-meteo`: one incident each. */
  key: string;
  /** Plain words naming the part and what to do. */
  reason: string;
  /** True where the service cannot do its job at all (503). */
  fatal: boolean;
}

export interface ProviderState {
  name: string;
  circuit: 'open' | 'closed';
  circuitOpenUntil: string | null;
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
  lastErrorClass: ErrorClass | null;
  lastErrorCode: string | null;
  lastError: string | null;
}

export interface BudgetState {
  provider: string;
  bucket: string;
  used: number;
  limit: number;
  /** What is left of the window's limit, 0 to 1. */
  remainingShare: number;
  windowEnd: string;
}

export interface Readiness {
  status: 'ok' | 'degraded' | 'unavailable';
  problems: Problem[];
  migrations: { current: boolean | null; latestApplied: string | null; pending: string[] | null };
  /** Null where the job queue was never installed in this database. */
  queue: { depth: number; oldestAgeSeconds: number | null } | null;
  sessions: {
    leaseExpired: number;
    stuck: number;
    finishedLastHour: number;
    failedLastHour: number;
  };
  providers: ProviderState[];
  budgets: BudgetState[];
}

export interface ReadinessDeps {
  db: Database;
  clock: Clock;
  ledger: ApiLedger;
  /** The external APIs this install uses (ledger names), listed even before their first call. */
  apis: readonly string[];
}

/** Reads every part; throws only when the database itself fails (the caller answers 503). */
export async function assessReadiness(deps: ReadinessDeps): Promise<Readiness> {
  const { db } = deps;
  const nowMs = deps.clock.now();
  const migrations = await migrationStatus(db);
  const backlog = await queueBacklog(db, nowMs);
  const leases = await metricCounts.leases(db, nowMs, nowMs - STUCK_AFTER_MS);
  const recent = await metricCounts.recentOutcomes(db, nowMs - 3_600_000);
  const rows = await opsStore.providerHealth(db);
  const names = [...new Set([...deps.apis, ...rows.map((r) => r.provider)])].sort();
  const providers = names.map((name) => providerState(name, rows, nowMs));
  const budgets = (
    await Promise.all(
      names.map(async (provider) =>
        (
          await deps.ledger.snapshot(provider)
        ).map((line) => ({
          provider,
          bucket: line.bucket,
          used: line.used,
          limit: line.limit,
          remainingShare: line.limit > 0 ? Math.max(0, line.limit - line.used) / line.limit : 0,
          windowEnd: line.windowEnd.toISOString(),
        })),
      ),
    )
  ).flat();
  const queue = backlog
    ? {
        depth: backlog.reduce((sum, q) => sum + q.waiting, 0),
        oldestAgeSeconds: backlog.reduce<number | null>(
          (max, q) => (q.oldest_age_s === null ? max : Math.max(max ?? 0, q.oldest_age_s)),
          null,
        ),
      }
    : null;
  const sessions = {
    leaseExpired: leases.expired,
    stuck: leases.stuck,
    finishedLastHour: recent.finished,
    failedLastHour: recent.failed,
  };
  const problems = [
    ...migrationProblems(migrations.pending),
    ...providers.flatMap(providerProblems),
    ...budgets.flatMap(budgetProblems),
    ...sessionProblems(sessions),
    ...(queue?.oldestAgeSeconds && queue.oldestAgeSeconds > QUEUE_AGE_LIMIT_S
      ? [
          {
            key: 'queue_backlog',
            reason: `The oldest due job has waited ${Math.round(queue.oldestAgeSeconds / 60)} min: no worker is draining the queue. Check that a worker runs (stridesync worker, or the Netlify background function).`,
            fatal: false,
          },
        ]
      : []),
  ];
  return {
    status: problems.some((p) => p.fatal) ? 'unavailable' : problems.length ? 'degraded' : 'ok',
    problems,
    migrations: {
      current: migrations.pending === null ? null : migrations.pending.length === 0,
      latestApplied: migrations.applied.at(-1) ?? null,
      pending: migrations.pending,
    },
    queue,
    sessions,
    providers,
    budgets,
  };
}

function providerState(name: string, rows: readonly ProviderHealthRow[], nowMs: number) {
  const row = rows.find((r) => r.provider === name);
  const open = row?.circuit_open_until && row.circuit_open_until.getTime() > nowMs;
  return {
    name,
    circuit: open ? 'open' : 'closed',
    circuitOpenUntil: open ? (row.circuit_open_until?.toISOString() ?? null) : null,
    lastSuccessAt: row?.last_success_at?.toISOString() ?? null,
    lastFailureAt: row?.last_failure_at?.toISOString() ?? null,
    lastErrorClass: row?.last_error_class ?? null,
    lastErrorCode: row?.last_error_code ?? null,
    lastError: row?.last_error_message ?? null,
  } satisfies ProviderState;
}

function migrationProblems(pending: string[] | null): Problem[] {
  if (!pending?.length) return [];
  return [
    {
      key: 'migrations_pending',
      reason: `The database schema is behind the code: ${pending.length} migration(s) pending (${pending.join(', ')}). Run stridesync migrate.`,
      fatal: true,
    },
  ];
}

/** A provider whose latest word was a configuration error, or whose breaker is open. */
function providerProblems(p: ProviderState): Problem[] {
  const problems: Problem[] = [];
  const failedLast =
    p.lastFailureAt !== null && (p.lastSuccessAt === null || p.lastFailureAt > p.lastSuccessAt);
  if (failedLast && p.lastErrorClass === 'config') {
    problems.push({
      key: `provider_config_error:${p.name}`,
      reason: `${p.name} refuses this install's configuration (${p.lastErrorCode}): ${p.lastError} Runs wait without it until it is fixed.`,
      fatal: false,
    });
  }
  if (p.circuit === 'open') {
    problems.push({
      key: `circuit_open:${p.name}`,
      reason: `${p.name} keeps failing (${p.lastErrorCode ?? 'no answer'}): calls to it are paused until ${p.circuitOpenUntil}.`,
      fatal: false,
    });
  }
  return problems;
}

function budgetProblems(b: BudgetState): Problem[] {
  if (b.remainingShare > 0) return [];
  return [
    {
      key: `budget_spent:${b.provider}:${b.bucket}`,
      reason: `${b.provider}'s ${b.bucket} budget is spent (${b.used} of ${b.limit}) until ${b.windowEnd}; syncs wait for it.`,
      fatal: false,
    },
  ];
}

function sessionProblems(s: Readiness['sessions']): Problem[] {
  const problems: Problem[] = [];
  if (s.stuck > 0) {
    problems.push({
      key: 'sessions_stuck',
      reason: `${s.stuck} sync session(s) are stuck past their lease for over ${STUCK_AFTER_MS / 60_000} min: no worker took them over. Check that a worker runs.`,
      fatal: false,
    });
  }
  if (
    s.finishedLastHour >= FAILURE_MIN_SESSIONS &&
    s.failedLastHour / s.finishedLastHour >= FAILURE_SHARE
  ) {
    problems.push({
      key: 'sync_failures',
      reason: `${s.failedLastHour} of the ${s.finishedLastHour} syncs that ended in the last hour failed; stridesync status and inspect show why.`,
      fatal: false,
    });
  }
  return problems;
}
