import type { AppError } from '../core/errors.ts';
import {
  ACTIVE_SESSION_STATUSES,
  type SessionStatus,
  type SyncKind,
  type SyncPhase,
} from '../core/glossary.ts';
import type { SyncEvent } from '../core/sync-events.ts';
import {
  assertPhaseTransition,
  assertTransition,
  type SyncSessionRow,
  syncSessionRowSchema,
} from '../core/sync-session.ts';
import type { Database, Queryable } from './database.ts';

const ACTIVE = `status in (${ACTIVE_SESSION_STATUSES.map((s) => `'${s}'`).join(', ')})`;

/** The session moved on without this worker (lease expired and taken over, or ended). */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * `sync_sessions` as the runner and the API use it. Every status change checks the state
 * machine in src/core/sync-session.ts and is guarded in SQL by the status it moves from and the
 * lease it holds, so a worker whose lease was taken over cannot write.
 */
export const sessionStore = {
  /**
   * Creates a session, or returns the user's active one: the partial unique index decides, so
   * two requests racing get one session between them.
   */
  async start(
    db: Queryable,
    input: { userId: string; kind: SyncKind; correlationId: string; input?: unknown },
  ): Promise<{ session: SyncSessionRow; created: boolean }> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const inserted = await db.query(
        `insert into sync_sessions (user_id, kind, correlation_id, input) values ($1, $2, $3, $4)
         on conflict (user_id) where ${ACTIVE} do nothing returning *`,
        [
          input.userId,
          input.kind,
          input.correlationId,
          input.input === undefined ? null : JSON.stringify(input.input),
        ],
      );
      if (inserted.rows[0])
        return { session: syncSessionRowSchema.parse(inserted.rows[0]), created: true };
      const active = await db.query(
        `select * from sync_sessions where user_id = $1 and ${ACTIVE}`,
        [input.userId],
      );
      // The active session may have ended between the two statements: try again.
      if (active.rows[0])
        return { session: syncSessionRowSchema.parse(active.rows[0]), created: false };
    }
    throw new Error('could not start or find an active session');
  },

  async get(db: Queryable, sessionId: string): Promise<SyncSessionRow | undefined> {
    const { rows } = await db.query('select * from sync_sessions where id = $1', [sessionId]);
    return rows[0] ? syncSessionRowSchema.parse(rows[0]) : undefined;
  },

  /** The user's one active session (queued, running or rate_limited), if any. */
  async findActive(db: Queryable, userId: string): Promise<SyncSessionRow | undefined> {
    const { rows } = await db.query(
      `select * from sync_sessions where user_id = $1 and ${ACTIVE}`,
      [userId],
    );
    return rows[0] ? syncSessionRowSchema.parse(rows[0]) : undefined;
  },

  /**
   * Ends a queued session whose transient failure outlived every retry: the error the runner
   * recorded when it put the session back in the queue becomes the reason it failed. Does
   * nothing if the session moved on meanwhile (another worker took it).
   */
  async giveUp(db: Database, sessionId: string, nowMs: number): Promise<boolean> {
    assertTransition('queued', 'failed');
    return db.withTransaction(async (tx) => {
      const { rows } = await tx.query(
        `update sync_sessions set status = 'failed', finished_at = $2
         where id = $1 and status = 'queued' returning *`,
        [sessionId, iso(nowMs)],
      );
      if (!rows[0]) return false;
      const session = syncSessionRowSchema.parse(rows[0]);
      await appendEvent(tx, session, {
        type: 'sync:failed',
        payload: {
          code: session.error_code ?? 'retries_exhausted',
          failureType: session.error_failure_type ?? 'transient',
          message: session.error_message ?? 'The sync kept failing and was stopped.',
        },
      });
      return true;
    });
  },

  /**
   * Takes the session for `owner` until `nowMs + ttlMs`: when no one holds it, its lease
   * expired (a crashed worker), or `owner` holds it already; a parked session only once its
   * `resume_at` has come. Moves queued/rate_limited → running.
   */
  async claim(db: Database, sessionId: string, owner: string, nowMs: number, ttlMs: number) {
    return db.withTransaction(async (tx) => {
      const { rows } = await tx.query(
        `select * from sync_sessions where id = $1 and ${ACTIVE}
           and (lease_owner is null or lease_owner = $2 or lease_expires_at < $3)
           and (status <> 'rate_limited' or resume_at <= $3)
         for update skip locked`,
        [sessionId, owner, iso(nowMs)],
      );
      if (!rows[0]) return undefined;
      const session = syncSessionRowSchema.parse(rows[0]);
      if (session.status !== 'running') assertTransition(session.status, 'running');
      const { rows: claimed } = await tx.query(
        `update sync_sessions set status = 'running', lease_owner = $2, lease_expires_at = $3, resume_at = null,
           started_at = coalesce(started_at, $4) where id = $1 returning *`,
        [sessionId, owner, iso(nowMs + ttlMs), iso(nowMs)],
      );
      return {
        session: syncSessionRowSchema.parse(claimed[0]),
        resumed: session.started_at !== null,
      };
    });
  },

  /** Extends the lease inside the caller's transaction; throws LeaseLostError when it is gone. */
  async renew(tx: Queryable, sessionId: string, owner: string, nowMs: number, ttlMs: number) {
    const { rows } = await tx.query(
      `update sync_sessions set lease_expires_at = $3
       where id = $1 and lease_owner = $2 and status = 'running' returning cancel_requested_at`,
      [sessionId, owner, iso(nowMs + ttlMs)],
    );
    if (!rows[0]) throw new LeaseLostError(`lease on ${sessionId} lost`);
    return {
      cancelRequested:
        (rows[0] as { cancel_requested_at: Date | null }).cancel_requested_at !== null,
    };
  },

  async setPhase(
    tx: Queryable,
    session: { id: string; phase: SyncPhase | null },
    to: SyncPhase,
    owner: string,
  ) {
    assertPhaseTransition(session.phase, to);
    const updated = await tx.query(
      `update sync_sessions set phase = $2 where id = $1 and lease_owner = $3 and status = 'running'`,
      [session.id, to, owner],
    );
    if (updated.rowCount === 0) throw new LeaseLostError(`lease on ${session.id} lost`);
  },

  /** Ends this worker's hold: moves running → `to`, clears the lease, records what it says. */
  async release(
    tx: Queryable,
    sessionId: string,
    owner: string,
    to: Exclude<SessionStatus, 'running'>,
    patch: { resumeAt?: Date; error?: AppError; finishedAtMs?: number } = {},
  ) {
    assertTransition('running', to);
    const { error } = patch;
    const updated = await tx.query(
      `update sync_sessions set status = $3, lease_owner = null, lease_expires_at = null,
         resume_at = $4, finished_at = $5,
         error_code = $6, error_message = $7, error_hint = $8, error_failure_type = $9
       where id = $1 and lease_owner = $2 and status = 'running'`,
      [
        sessionId,
        owner,
        to,
        patch.resumeAt?.toISOString() ?? null,
        patch.finishedAtMs === undefined ? null : iso(patch.finishedAtMs),
        error?.code ?? null,
        error?.userMessage ?? null,
        error?.hint ?? null,
        error?.failureType ?? null,
      ],
    );
    if (updated.rowCount === 0) throw new LeaseLostError(`lease on ${sessionId} lost`);
  },

  /** Asks a session to stop; the runner stops at its next slice boundary. Queued ones end now. */
  async requestCancel(
    db: Database,
    sessionId: string,
    nowMs: number,
  ): Promise<SyncSessionRow | undefined> {
    return db.withTransaction(async (tx) => {
      const { rows } = await tx.query('select * from sync_sessions where id = $1 for update', [
        sessionId,
      ]);
      if (!rows[0]) return undefined;
      const session = syncSessionRowSchema.parse(rows[0]);
      if (session.status !== 'running') assertTransition(session.status, 'cancelled');
      const ended = session.status !== 'running';
      const { rows: updated } = await tx.query(
        `update sync_sessions set cancel_requested_at = coalesce(cancel_requested_at, $2),
           status = case when $3 then 'cancelled' else status end,
           finished_at = case when $3 then $2 else finished_at end,
           lease_owner = case when $3 then null else lease_owner end
         where id = $1 returning *`,
        [sessionId, iso(nowMs), ended],
      );
      if (ended)
        await appendEvent(tx, session, {
          type: 'sync:cancelled',
          payload: { stored: session.activities_stored },
        });
      return syncSessionRowSchema.parse(updated[0]);
    });
  },
};

/** Adds an event to the session's timeline, in the caller's transaction. */
export async function appendEvent(
  tx: Queryable,
  session: { id: string; user_id: string },
  event: SyncEvent,
) {
  await tx.query(
    'insert into sync_events (session_id, user_id, type, payload) values ($1, $2, $3, $4)',
    [session.id, session.user_id, event.type, JSON.stringify(event.payload)],
  );
}
