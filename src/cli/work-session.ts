import { NotFoundError } from '../core/errors.ts';
import { isTerminalStatus, type SyncSessionRow } from '../core/sync-session.ts';
import { SYNC_RETRY } from '../queue/job-queue.ts';
import { sessionStore } from '../store/session-store.ts';
import { runSync } from '../sync/run-sync.ts';
import type { SyncDeps } from '../sync/sync-deps.ts';

/** How often a session another worker holds is tried again; its progress shows meanwhile. */
const FOLLOW_MS = 2_000;
/** How often a wait looks whether the session ended meanwhile (cancelled, finished elsewhere). */
const POLL_MS = 500;

export interface WorkSessionOptions {
  /** This process (`cli:host:pid`); each run holds the lease as `owner#n`, as a worker's do. */
  owner: string;
  /** How long the lease outlives this process if it dies (SYNC_LEASE_TTL_S, as for workers). */
  leaseTtlMs: number;
  /** Called when another worker holds the session, so this process only follows it. */
  onFollowing?: () => void;
}

/**
 * Works a session in this process until it ends, with the runner every worker uses: runSync
 * reads, stores and checkpoints the slices; this only does what the queue does for a worker
 * between two runs.
 * - not_claimed: another worker holds the lease (or the session is parked): follow it, and try
 *   again now and then, which takes the session over if that worker dies (its lease runs out);
 * - rate_limited: wait for Strava's window to reset, then go on;
 * - retry: a transient failure, retried with the sync queue's backoff (SYNC_RETRY); after the
 *   last retry the session fails with the error that kept recurring, as under a worker;
 * - yielded: go on at once.
 * Returns the session as it ended.
 */
export async function workSession(
  deps: SyncDeps,
  sessionId: string,
  options: WorkSessionOptions,
): Promise<SyncSessionRow> {
  let runs = 0;
  let retries = 0;
  let following = false;
  for (;;) {
    runs += 1;
    const outcome = await runSync(deps, {
      sessionId,
      owner: `${options.owner}#${runs}`,
      // No deadline: nothing here hands the session to another job.
      deadlineMs: Number.POSITIVE_INFINITY,
      leaseTtlMs: options.leaseTtlMs,
    });
    const session = await readSession(deps, sessionId);
    if (isTerminalStatus(session.status)) return session;
    // Not claimed while parked is this session waiting for its window, not another worker.
    const heldElsewhere = outcome.status === 'not_claimed' && session.status === 'running';
    if (heldElsewhere && !following) options.onFollowing?.();
    following = heldElsewhere;
    const nowMs = deps.clock.now();
    switch (outcome.status) {
      case 'retry':
        if (retries >= SYNC_RETRY.limit) {
          await sessionStore.giveUp(deps.db, sessionId, nowMs);
        } else {
          await waitUntil(deps, sessionId, nowMs + SYNC_RETRY.delayS * 1000 * 2 ** retries);
          retries += 1;
        }
        break;
      case 'rate_limited':
        retries = 0;
        await waitUntil(deps, sessionId, outcome.resumeAt.getTime());
        break;
      case 'not_claimed':
        await waitUntil(
          deps,
          sessionId,
          Math.max(nowMs + FOLLOW_MS, session.resume_at?.getTime() ?? 0),
        );
        break;
      default:
        retries = 0;
    }
  }
}

export async function readSession(deps: SyncDeps, sessionId: string): Promise<SyncSessionRow> {
  const session = await sessionStore.get(deps.db, sessionId);
  if (session) return session;
  throw new NotFoundError({
    code: 'sync_not_found',
    userMessage: `The sync session ${sessionId} no longer exists.`,
    hint: "It was deleted with its user; list recent sessions with 'stridesync status'.",
  });
}

/** Sleeps until `untilMs`, or until the session has ended meanwhile. */
async function waitUntil(deps: SyncDeps, sessionId: string, untilMs: number): Promise<void> {
  while (deps.clock.now() < untilMs) {
    const ms = Math.min(POLL_MS, untilMs - deps.clock.now());
    await new Promise((resolve) => setTimeout(resolve, ms));
    if (isTerminalStatus((await readSession(deps, sessionId)).status)) return;
  }
}
