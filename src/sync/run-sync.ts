import {
  AppError,
  ConfigError,
  RateLimitedError,
  SystemError,
  toAppError,
} from '../core/errors.ts';
import type { SyncPhase } from '../core/glossary.ts';
import { isDeauthorization, stravaWebhookEventSchema } from '../core/strava-webhook-event.ts';
import type { RunOutcome, SyncEvent } from '../core/sync-events.ts';
import type { SyncSessionRow } from '../core/sync-session.ts';
import { ENRICH_BATCH } from '../enrichment/enrichment-pass.ts';
import { withLogContext } from '../observability/log-context.ts';
import type { Logger } from '../observability/logger.ts';
import {
  newestStartDate,
  softDeleteActivities,
  upsertActivities,
} from '../store/activity-store.ts';
import type { Queryable } from '../store/database.ts';
import { histogramAdds, opsStore, SESSION_SECONDS_BUCKETS } from '../store/ops-store.ts';
import { appendEvent, LeaseLostError, sessionStore } from '../store/session-store.ts';
import { fetchSlice, startCursor, type WalkCursor } from '../strava/activity-walk.ts';
import { fetchAthleteStats } from '../strava/athlete-stats.ts';
import { applyEvent } from './apply-event.ts';
import { classifyRecords } from './classify-records.ts';
import { deleteUnlisted, RECONCILE_WINDOW_DAYS } from './reconcile.ts';
import type { EnrichBatch, RunOptions, Step, SyncDeps } from './sync-deps.ts';

/** What a session remembers between runs. Plain JSON, saved with the rows it covers. */
export interface SyncCheckpoint {
  /** Null once the list has been walked to the end. */
  cursor: WalkCursor | null;
  /** Reconcile only: every id listed in the window so far, to find what Strava no longer has. */
  seenIds?: string[];
}

export const PER_PAGE = 200;
/**
 * The longest provider window the enriching phase parks its session for (a spent minute, a
 * Retry-After). A longer one (an hour's or a day's cap) would hold the sync hostage to weather:
 * the runs are stored already, so the sync completes and the weather backfill finishes them.
 */
export const MAX_ENRICH_PARK_MS = 15 * 60_000;
/** An incremental sync re-reads a little before the newest stored run, for late uploads. */
export const INCREMENTAL_OVERLAP_S = 6 * 3600;

/**
 * The runner: one call works one session for as long as its deadline allows. Whatever calls it
 * (the pg-boss worker, the Netlify background function, `stridesync sync`) passes every side
 * effect in; nothing here knows which. It reads like Airbyte's `Stream.read`: next slice, read,
 * observe the cursor, checkpoint.
 *
 * Why a crash at any instant loses and duplicates nothing: each slice's rows, the cursor that
 * follows them, the counters and the timeline event are written in ONE transaction, guarded by
 * the worker's lease. A crash before the commit leaves the previous checkpoint, and the slice is
 * read again; after it, the next run starts past it. Rows are keyed by Strava id, so even a
 * slice read twice is stored once.
 */
export async function runSync(deps: SyncDeps, options: RunOptions): Promise<RunOutcome> {
  const { db, clock } = deps;
  const ttl = options.leaseTtlMs;
  const claimed = await sessionStore.claim(db, options.sessionId, options.owner, clock.now(), ttl);
  if (!claimed) return { status: 'not_claimed' };
  const session = claimed.session;
  // Every line logged while the session runs, by the runner or any part it calls, names it.
  return withLogContext({ correlationId: session.correlation_id, sessionId: session.id }, () =>
    runClaimed(deps, options, session),
  );
}

async function runClaimed(
  deps: SyncDeps,
  options: RunOptions,
  claimed: SyncSessionRow,
): Promise<RunOutcome> {
  let session = claimed;
  const { logger } = deps;
  const step = makeStep(deps, options, options.leaseTtlMs);

  // The lease the last step renewed: whether a cancel was asked, for the next slice or batch.
  let lease: Lease | undefined;
  try {
    if (session.phase === null) {
      await step(session, async (tx) => {
        await appendEvent(tx, session, {
          type: 'sync:started',
          payload: { kind: session.kind, resumed: false },
        });
        await writePhase(tx, session, 'authenticating', options.owner);
      });
      session = { ...session, phase: 'authenticating' };
    } else {
      await step(session, (tx) =>
        appendEvent(tx, session, {
          type: 'sync:started',
          payload: { kind: session.kind, resumed: true },
        }),
      );
    }
    if (session.phase === 'authenticating') {
      await authenticate(deps, session, logger);
      ({ session, lease } = await movePhase(step, session, 'fetching', options.owner));
    }
    if (session.phase === 'fetching') {
      const outcome =
        session.kind === 'event'
          ? await applyEvent(deps, session, step)
          : await fetchAll(deps, options, session, step, lease);
      if (outcome) return outcome;
      if (deps.enrich)
        ({ session, lease } = await movePhase(step, session, 'enriching', options.owner));
    }
    if (session.phase === 'enriching') {
      const outcome = await enrichAll(deps, options, session, step, lease);
      if (outcome) return outcome;
    }
    return await finish(deps, options, session);
  } catch (error) {
    return await settleFailure(deps, options, session, error, logger);
  }
}

/** One transaction that renews the lease (or fails if it was lost) and makes `write`. */
function makeStep(deps: SyncDeps, options: RunOptions, ttl: number): Step {
  return (session, write) =>
    deps.db.withTransaction(async (tx) => {
      const lease = await sessionStore.renew(tx, session.id, options.owner, deps.clock.now(), ttl);
      await write(tx);
      return lease;
    });
}

type Lease = Awaited<ReturnType<Step>>;

/** The phase change and its timeline event, in the caller's transaction. */
async function writePhase(tx: Queryable, session: SyncSessionRow, to: SyncPhase, owner: string) {
  await sessionStore.setPhase(tx, session, to, owner);
  await appendEvent(tx, session, { type: 'sync:phase', payload: { from: session.phase, to } });
}

/**
 * A phase change as a step: the lease it renews tells the phase's first cancellation check
 * whether a cancel was asked, so that check needs no transaction of its own. Each transaction
 * is a commit waiting for its WAL flush: a sync with nothing new is mostly these
 * (docs/benchmarks.md, B4).
 */
async function movePhase(step: Step, session: SyncSessionRow, to: SyncPhase, owner: string) {
  const lease = await step(session, (tx) => writePhase(tx, session, to, owner));
  return { session: { ...session, phase: to }, lease };
}

/**
 * Authenticating: a valid token (refreshed if need be) and, for a backfill, the athlete's run
 * count from Strava's stats, which percent and ETA are measured against.
 */
async function authenticate(deps: SyncDeps, session: SyncSessionRow, logger: Logger) {
  // A deletion or a deauthorization needs nothing from Strava (and after a deauthorization
  // there is no token to check).
  if (session.kind === 'event' && !needsStrava(session.input)) return;
  const stats = await deps.strava.tokens.withAccessToken(session.user_id, async (token) => {
    if (session.kind !== 'backfill' || session.total_estimate !== null) return undefined;
    return fetchAthleteStats(deps.strava.client, token).catch((error: unknown) => {
      if (!isAuxiliaryFailure(error)) throw error;
      return error;
    });
  });
  if (stats instanceof AppError) {
    // The stats only size the progress bar: without them the backfill goes on, percent unknown.
    logger.warn({ code: stats.code, err: stats }, "Strava's athlete stats unreadable: no total");
    await appendEvent(deps.db, session, {
      type: 'total:unknown',
      payload: { code: stats.code, message: stats.userMessage },
    });
  } else if (stats) {
    await sessionStore.setTotalEstimate(deps.db, session.id, stats.all_run_totals.count);
  }
}

/**
 * A failure of the stats call the backfill can do without: an answer it could not read, a 404,
 * a request Strava rejected. A refused token (refreshed by the token manager, or the user must
 * reconnect), a spent budget and an unreachable Strava end the run as they would any call.
 */
function isAuxiliaryFailure(error: unknown): error is AppError {
  if (!(error instanceof AppError) || error instanceof RateLimitedError) return false;
  return (
    error.code === 'strava_malformed_response' ||
    error.code === 'strava_not_found' ||
    error.failureType === 'system'
  );
}

async function fetchAll(
  deps: SyncDeps,
  options: RunOptions,
  initial: SyncSessionRow,
  step: Step,
  entered?: Lease,
): Promise<RunOutcome | undefined> {
  let session = initial;
  let lease = entered;
  let checkpoint = (session.checkpoint as SyncCheckpoint | null) ?? {
    cursor: await firstCursor(deps, session),
  };
  while (checkpoint.cursor) {
    // Cancellation and a stopping worker are honoured before every slice; the deadline after at
    // least one slice per run, so that every run makes progress however short its deadline.
    const cancelled = await stopIfCancelled(deps, options, session, step, lease);
    if (cancelled) return cancelled;
    if (options.signal?.aborted) return yieldSession(deps, options, session, 'stopping');
    const cursor = checkpoint.cursor;
    const slice = await deps.strava.tokens.withAccessToken(session.user_id, (token) =>
      fetchSlice(
        (params) => deps.strava.client.listActivities(token, params),
        cursor,
        options.perPage ?? PER_PAGE,
      ),
    );
    const { rows, notRuns, skipped } = classifyRecords(
      slice.records,
      session.user_id,
      deps.sportTypes,
    );
    checkpoint = {
      cursor: slice.next,
      ...(session.kind === 'reconcile'
        ? { seenIds: [...(checkpoint.seenIds ?? []), ...listedIds(slice.records)] }
        : {}),
    };
    const next = checkpoint;
    lease = await step(session, async (tx) => {
      const written = await upsertActivities(tx, rows);
      await softDeleteActivities(tx, session.user_id, notRuns);
      session = await sessionStore.saveSlice(tx, session, {
        checkpoint: next,
        listed: slice.records.length,
        stored: rows.length,
        changed: written.inserted + written.updated,
        skipped,
      });
      await opsStore.add(tx, [
        {
          name: 'stridesync_runs_stored_total',
          labels: { change: 'new' },
          value: written.inserted,
        },
        {
          name: 'stridesync_runs_stored_total',
          labels: { change: 'updated' },
          value: written.updated,
        },
      ]);
      await appendEvent(tx, session, {
        type: 'slice:stored',
        payload: {
          listed: slice.records.length,
          stored: written.inserted + written.updated,
          unchanged: written.unchanged,
          skipped,
          cursorBefore: next.cursor?.before ?? null,
        },
      });
    });
    if (next.cursor) {
      const yielded = await yieldIfDue(deps, options, session);
      if (yielded) return yielded;
    }
  }
  if (session.kind === 'reconcile')
    await step(session, (tx) => deleteUnlisted(tx, deps, session, checkpoint.seenIds ?? []));
  return undefined;
}

function listedIds(records: readonly unknown[]): string[] {
  return records.flatMap((record) => {
    const id = (record as { id?: unknown } | null)?.id;
    return typeof id === 'number' || typeof id === 'string' ? [String(id)] : [];
  });
}

/**
 * Where a walk starts. A backfill continues from the checkpoint of the last backfill that was
 * cancelled or failed part-way (since the last completed one): a history is never listed from
 * zero again because a run was interrupted. An incremental sync starts a little before the
 * newest stored run.
 */
async function firstCursor(deps: SyncDeps, session: SyncSessionRow): Promise<WalkCursor> {
  if (session.kind === 'backfill') {
    const interrupted = (await sessionStore.interruptedBackfillCheckpoint(
      deps.db,
      session.user_id,
      session.id,
    )) as SyncCheckpoint | undefined;
    return interrupted?.cursor ?? startCursor(deps.clock.now());
  }
  if (session.kind === 'incremental') {
    const newest = await newestStartDate(deps.db, session.user_id);
    const after = newest ? Math.floor(newest.getTime() / 1000) - INCREMENTAL_OVERLAP_S : undefined;
    return startCursor(deps.clock.now(), after);
  }
  if (session.kind === 'reconcile') {
    const after = Math.floor(deps.clock.now() / 1000) - RECONCILE_WINDOW_DAYS * 24 * 3600;
    return startCursor(deps.clock.now(), after);
  }
  throw new SystemError({
    code: 'sync_kind_unexpected',
    userMessage: `A ${session.kind} sync has no activity list to walk.`,
    hint: 'This is a bug in stridesync: please report it with the correlation id.',
  });
}

/**
 * Cancellation takes effect here, between slices, never inside one. `lease` is what the step
 * just before renewed, when nothing has happened since; without it, a step renews it here.
 */
async function stopIfCancelled(
  deps: SyncDeps,
  options: RunOptions,
  session: SyncSessionRow,
  step: Step,
  lease?: Lease,
) {
  const { cancelRequested } = lease ?? (await step(session, async () => {}));
  if (!cancelRequested) return undefined;
  await deps.db.withTransaction(async (tx) => {
    await sessionStore.release(tx, session.id, options.owner, 'cancelled', {
      finishedAtMs: deps.clock.now(),
    });
    await appendEvent(tx, session, {
      type: 'sync:cancelled',
      payload: { stored: session.activities_stored },
    });
    await recordFinished(tx, deps, session, 'cancelled');
  });
  return { status: 'cancelled' } as const;
}

/** Past the deadline, or stopping: the checkpoint is saved already; hand the session back. */
async function yieldIfDue(deps: SyncDeps, options: RunOptions, session: SyncSessionRow) {
  if (options.signal?.aborted) return yieldSession(deps, options, session, 'stopping');
  if (deps.clock.now() >= options.deadlineMs) {
    return yieldSession(deps, options, session, 'deadline');
  }
  return undefined;
}

async function yieldSession(
  deps: SyncDeps,
  options: RunOptions,
  session: SyncSessionRow,
  reason: 'deadline' | 'stopping',
) {
  await deps.db.withTransaction(async (tx) => {
    await sessionStore.release(tx, session.id, options.owner, 'queued');
    await appendEvent(tx, session, { type: 'sync:yielded', payload: { reason } });
  });
  return { status: 'yielded' } as const;
}

async function enrichAll(
  deps: SyncDeps,
  options: RunOptions,
  session: SyncSessionRow,
  step: Step,
  entered?: Lease,
): Promise<RunOutcome | undefined> {
  const enrich = deps.enrich;
  if (!enrich) return undefined;
  let lease = entered;
  for (;;) {
    const cancelled = await stopIfCancelled(deps, options, session, step, lease);
    if (cancelled) return cancelled;
    if (options.signal?.aborted) return yieldSession(deps, options, session, 'stopping');
    let result: Awaited<ReturnType<typeof enrich>>;
    try {
      result = await enrich(session.user_id, options.enrichBatch ?? ENRICH_BATCH, {
        signal: options.signal,
        deadlineMs: options.deadlineMs,
      });
    } catch (error) {
      // Weather never holds a sync hostage: the runs are stored and shown; a spent weather
      // budget or a provider the operator must fix leaves them waiting for the backfill job.
      // A provider the operator must fix is the session's warning: it completes, saying so.
      if (!(error instanceof AppError)) throw error;
      await step(session, async (tx) => {
        await appendEvent(tx, session, {
          type: 'enrich:deferred',
          payload: {
            code: error.code,
            message: error.userMessage,
            resumeAt: error instanceof RateLimitedError ? error.resumeAt.toISOString() : null,
          },
        });
        if (error instanceof ConfigError) {
          await sessionStore.setWarning(tx, session.id, {
            code: error.code,
            message: `Runs are stored without weather or place: ${error.userMessage} ${error.hint}`,
          });
        }
      });
      deps.logger.warn(
        { sessionId: session.id, code: error.code, err: error },
        'enrichment deferred',
      );
      return undefined;
    }
    const { enriched, unavailable, stillPending, deferral } = result;
    lease = await step(session, async (tx) => {
      await sessionStore.addEnriched(tx, session.id, result);
      await appendEvent(tx, session, {
        type: 'enrich:batch',
        payload: { enriched, unavailable, stillPending },
      });
    });
    if (deferral) return waitForProvider(deps, options, session, step, deferral);
    // A stopping worker (the batch ended early) or the deadline: hand on, even after a batch
    // that got nothing done, since the rest of it was never asked for.
    const yielded = await yieldIfDue(deps, options, session);
    if (yielded) return yielded;
    // A batch is at most `enrichBatch` runs: go on while batches make progress. One that makes
    // none means what is left waits on something else (the archive's delay, a retry time).
    if (enriched + unavailable === 0) return undefined;
  }
}

/**
 * A provider's window is spent: the session parks until it reopens, as for Strava's (status
 * `rate_limited`, `resume_at`), saying which provider it waits for, so the dashboard, the CLI
 * and the ETA count the wait and the worker is free for other users meanwhile; the queue runs
 * the next job at `resume_at`. A window longer than MAX_ENRICH_PARK_MS is left to the backfill.
 */
async function waitForProvider(
  deps: SyncDeps,
  options: RunOptions,
  session: SyncSessionRow,
  step: Step,
  deferral: NonNullable<EnrichBatch['deferral']>,
): Promise<RunOutcome | undefined> {
  const until = deferral.until.toISOString();
  if (deferral.until.getTime() - deps.clock.now() > MAX_ENRICH_PARK_MS) {
    await step(session, (tx) =>
      appendEvent(tx, session, {
        type: 'enrich:deferred',
        payload: { code: deferral.code, message: deferral.message, resumeAt: until },
      }),
    );
    return undefined;
  }
  await deps.db.withTransaction(async (tx) => {
    await sessionStore.release(tx, session.id, options.owner, 'rate_limited', {
      resumeAt: deferral.until,
      waitingFor: deferral.provider,
    });
    await appendEvent(tx, session, {
      type: 'enrich:waiting',
      payload: { provider: deferral.provider, until },
    });
  });
  return { status: 'rate_limited', resumeAt: deferral.until };
}

async function finish(
  deps: SyncDeps,
  options: RunOptions,
  session: SyncSessionRow,
): Promise<RunOutcome> {
  await deps.db.withTransaction(async (tx) => {
    // Finalizing is this transaction: the phase change is its first write.
    if (session.phase !== 'finalizing') await writePhase(tx, session, 'finalizing', options.owner);
    const current = (await sessionStore.get(tx, session.id)) ?? session;
    await sessionStore.release(tx, session.id, options.owner, 'completed', {
      finishedAtMs: deps.clock.now(),
    });
    const warning = current.warning_code
      ? { code: current.warning_code, message: current.warning_message ?? '' }
      : null;
    const event: SyncEvent = {
      type: 'sync:completed',
      payload: {
        stored: current.activities_stored,
        skipped: current.activities_skipped,
        enriched: current.activities_enriched,
        durationMs: deps.clock.now() - new Date(current.started_at ?? deps.clock.now()).getTime(),
        warning,
      },
    };
    await appendEvent(tx, session, event);
    await recordFinished(tx, deps, current, warning ? 'completed_with_warning' : 'completed');
    if (warning) {
      deps.logger.warn(
        { sessionId: session.id, code: warning.code },
        'sync completed with a warning',
      );
    }
  });
  return { status: 'completed' };
}

/**
 * Every failure ends in a recorded state: parked until the budget window resets, back in the
 * queue for a retry, or failed with a message and a next step for the user.
 */
async function settleFailure(
  deps: SyncDeps,
  options: RunOptions,
  session: SyncSessionRow,
  thrown: unknown,
  logger: Logger,
): Promise<RunOutcome> {
  if (thrown instanceof LeaseLostError) {
    logger.warn('lease lost: another worker has the session');
    return { status: 'not_claimed' };
  }
  const error = toAppError(thrown);
  const release = (to: 'rate_limited' | 'queued' | 'failed', event: SyncEvent, patch = {}) =>
    deps.db.withTransaction(async (tx) => {
      await sessionStore.release(tx, session.id, options.owner, to, patch);
      await appendEvent(tx, session, event);
      if (to === 'failed') await recordFinished(tx, deps, session, 'failed');
    });
  try {
    if (error instanceof RateLimitedError) {
      logger.info({ resumeAt: error.resumeAt }, 'budget spent: parked');
      await opsStore.add(deps.db, [
        { name: 'stridesync_budget_waits_total', labels: { provider: 'strava' }, value: 1 },
        {
          name: 'stridesync_budget_wait_seconds_total',
          labels: { provider: 'strava' },
          value: Math.max(0, error.resumeAt.getTime() - deps.clock.now()) / 1000,
        },
      ]);
      await release(
        'rate_limited',
        { type: 'budget:exhausted', payload: { resumeAt: error.resumeAt.toISOString() } },
        { resumeAt: error.resumeAt, waitingFor: 'strava', error },
      );
      return { status: 'rate_limited', resumeAt: error.resumeAt };
    }
    if (error.failureType === 'transient') {
      logger.warn({ code: error.code, err: error }, 'transient failure: will retry');
      await release(
        'queued',
        { type: 'sync:retrying', payload: { code: error.code, message: error.userMessage } },
        { error },
      );
      return { status: 'retry', code: error.code };
    }
    logger.error({ code: error.code, err: error, cause: (error as AppError).cause }, 'sync failed');
    await release(
      'failed',
      {
        type: 'sync:failed',
        payload: { code: error.code, failureType: error.failureType, message: error.userMessage },
      },
      { error, finishedAtMs: deps.clock.now() },
    );
    return { status: 'failed', code: error.code };
  } catch (releaseError) {
    if (releaseError instanceof LeaseLostError) return { status: 'not_claimed' };
    throw releaseError;
  }
}

/**
 * A session ended: `stridesync_sync_sessions_finished_total` and its duration (from its first
 * start to now, parks and retries included), in the transaction that ends it.
 */
async function recordFinished(
  tx: Queryable,
  deps: SyncDeps,
  session: SyncSessionRow,
  outcome: 'completed' | 'completed_with_warning' | 'failed' | 'cancelled',
): Promise<void> {
  const labels = { kind: session.kind, outcome };
  const startedMs = (session.started_at ?? session.created_at).getTime();
  await opsStore.add(tx, [
    { name: 'stridesync_sync_sessions_finished_total', labels, value: 1 },
    ...histogramAdds(
      'stridesync_sync_session_duration_seconds',
      labels,
      Math.max(0, deps.clock.now() - startedMs) / 1000,
      SESSION_SECONDS_BUCKETS,
    ),
  ]);
}

/** Activity create/update events fetch the activity; deletions and athlete events do not. */
function needsStrava(input: unknown): boolean {
  const event = stravaWebhookEventSchema.safeParse(input);
  if (!event.success) return true;
  return (
    event.data.object_type === 'activity' &&
    event.data.aspect_type !== 'delete' &&
    !isDeauthorization(event.data)
  );
}
