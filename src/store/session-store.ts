import type { AppError } from '../core/errors.ts';
import {
  ACTIVE_SESSION_STATUSES,
  type SessionStatus,
  type SyncKind,
  type SyncPhase,
} from '../core/glossary.ts';
import type { SyncEvent, SyncEventMap, SyncEventType } from '../core/sync-events.ts';
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

/** What one slice adds to its session, written with the slice's rows. */
export interface SliceRecord {
  /** The runner's bookmark after the slice; saved as given. */
  checkpoint: unknown;
  listed: number;
  stored: number;
  /** Of `stored`, the runs inserted or changed (the rest were unchanged). */
  changed: number;
  /** Skip reason code → how many of the slice's records it skipped. */
  skipped: Record<string, number>;
}

/** An active session no worker is carrying forward (see `listUnattended`). */
export interface UnattendedSession {
  id: string;
  user_id: string;
  status: SessionStatus;
  correlation_id: string;
  resume_at: Date | null;
  /** How much of Strava's budget it has had: its turn in the queue (`turnPriority`). */
  activities_listed: number;
}

/** One entry of a session's timeline. */
export interface TimelineEvent {
  created_at: Date;
  type: string;
  payload: unknown;
}

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

  /** The session if it is the user's: someone else's is as absent as an unknown one. */
  async getForUser(
    db: Queryable,
    userId: string,
    sessionId: string,
  ): Promise<SyncSessionRow | undefined> {
    const { rows } = await db.query('select * from sync_sessions where id = $1 and user_id = $2', [
      sessionId,
      userId,
    ]);
    return rows[0] ? syncSessionRowSchema.parse(rows[0]) : undefined;
  },

  /** The most recent sessions, newest first: of one user, or (`userId: null`) of everyone. */
  async list(
    db: Queryable,
    filter: { userId: string | null; limit: number },
  ): Promise<SyncSessionRow[]> {
    const { rows } = await db.query(
      `select * from sync_sessions where ($1::uuid is null or user_id = $1::uuid)
       order by created_at desc limit $2`,
      [filter.userId, filter.limit],
    );
    return rows.map((row) => syncSessionRowSchema.parse(row));
  },

  /** When the user's sessions created after `sinceMs` were started, newest first, at most `limit`. */
  async startTimesSince(
    db: Queryable,
    userId: string,
    sinceMs: number,
    limit: number,
  ): Promise<Date[]> {
    const { rows } = await db.query<{ created_at: Date }>(
      `select created_at from sync_sessions where user_id = $1 and created_at > $2
       order by created_at desc limit $3`,
      [userId, iso(sinceMs), limit],
    );
    return rows.map((row) => row.created_at);
  },

  async hasCompletedBackfill(db: Queryable, userId: string): Promise<boolean> {
    const { rowCount } = await db.query(
      `select 1 from sync_sessions where user_id = $1 and kind = 'backfill' and status = 'completed' limit 1`,
      [userId],
    );
    return rowCount > 0;
  },

  /**
   * The checkpoint of the user's latest backfill that was cancelled or failed part-way (its
   * cursor still open) since their last completed backfill, `sessionId` aside.
   */
  async interruptedBackfillCheckpoint(
    db: Queryable,
    userId: string,
    sessionId: string,
  ): Promise<unknown> {
    const { rows } = await db.query<{ checkpoint: unknown }>(
      `select checkpoint from sync_sessions
       where user_id = $1 and kind = 'backfill' and id <> $2 and status in ('cancelled', 'failed')
         and jsonb_typeof(checkpoint -> 'cursor') = 'object'
         and created_at > coalesce((select max(created_at) from sync_sessions
                                    where user_id = $1 and kind = 'backfill' and status = 'completed'), '-infinity')
       order by created_at desc limit 1`,
      [userId, sessionId],
    );
    return rows[0]?.checkpoint;
  },

  /**
   * Active sessions no worker is carrying forward, oldest first: not running under a live lease,
   * and no job of `jobs.queue` created or waiting to retry for the user in pg-boss's job table
   * (in `jobs.schema`), which is read, never written.
   */
  async listUnattended(
    db: Queryable,
    nowMs: number,
    jobs: { schema: string; queue: string },
  ): Promise<UnattendedSession[]> {
    const { rows } = await db.query<UnattendedSession>(
      `select s.id, s.user_id, s.status, s.correlation_id, s.resume_at, s.activities_listed
       from sync_sessions s
       where s.${ACTIVE}
         and (s.status <> 'running' or s.lease_expires_at is null or s.lease_expires_at < $1)
         and not exists (select 1 from ${jobs.schema}.job j
                         where j.name = $2 and j.singleton_key = s.user_id::text
                           and j.state in ('created', 'retry'))
       order by s.created_at`,
      [iso(nowMs), jobs.queue],
    );
    return rows;
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
        `update sync_sessions set status = 'running', lease_owner = $2, lease_expires_at = $3,
           resume_at = null, waiting_for = null, started_at = coalesce(started_at, $4)
         where id = $1 returning *`,
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

  /** The athlete's run count, which a backfill's percent and ETA are measured against. */
  async setTotalEstimate(db: Queryable, sessionId: string, total: number): Promise<void> {
    await db.query('update sync_sessions set total_estimate = $2 where id = $1', [
      sessionId,
      total,
    ]);
  },

  /**
   * Saves a slice's checkpoint and adds its counts, in the transaction that stores its rows: the
   * rows, the bookmark after them and the counters commit together or not at all. Returns the
   * session as it now stands.
   */
  async saveSlice(
    tx: Queryable,
    session: Pick<SyncSessionRow, 'id' | 'skipped_reasons'>,
    slice: SliceRecord,
  ): Promise<SyncSessionRow> {
    const skippedCount = Object.values(slice.skipped).reduce((sum, n) => sum + n, 0);
    const { rows } = await tx.query(
      `update sync_sessions set checkpoint = $2,
         activities_listed = activities_listed + $3, activities_stored = activities_stored + $4,
         activities_skipped = activities_skipped + $5, skipped_reasons = $6,
         activities_changed = activities_changed + $7
       where id = $1 returning *`,
      [
        session.id,
        JSON.stringify(slice.checkpoint),
        slice.listed,
        slice.stored,
        skippedCount,
        JSON.stringify(mergeCounts(session.skipped_reasons, slice.skipped)),
        slice.changed,
      ],
    );
    return syncSessionRowSchema.parse(rows[0]);
  },

  /** Adds what applying one webhook event listed and stored, in its transaction. */
  async addEventCounts(
    tx: Queryable,
    sessionId: string,
    counts: { stored: number; changed: number; skipped: number },
  ): Promise<void> {
    await tx.query(
      `update sync_sessions set activities_listed = activities_listed + 1,
         activities_stored = activities_stored + $2, activities_changed = activities_changed + $3,
         activities_skipped = activities_skipped + $4
       where id = $1`,
      [sessionId, counts.stored, counts.changed, counts.skipped],
    );
  },

  /** Records what the session left for the operator to fix (see `warning_code`). */
  async setWarning(
    tx: Queryable,
    sessionId: string,
    warning: { code: string; message: string },
  ): Promise<void> {
    await tx.query(
      'update sync_sessions set warning_code = $2, warning_message = $3 where id = $1',
      [sessionId, warning.code, warning.message],
    );
  },

  /** Adds an enrichment batch's counts, in the caller's transaction. */
  async addEnriched(
    tx: Queryable,
    sessionId: string,
    batch: { enriched: number; unavailable: number },
  ): Promise<void> {
    await tx.query(
      `update sync_sessions set activities_enriched = activities_enriched + $2,
         weather_unavailable = weather_unavailable + $3 where id = $1`,
      [sessionId, batch.enriched, batch.unavailable],
    );
  },

  /**
   * Ends this worker's hold: moves running → `to`, clears the lease, records what it says. A
   * park (`rate_limited`) names what it waits for in `waitingFor` (`strava`, or an enrichment
   * provider such as `nominatim`) with the moment it reopens in `resumeAt`.
   */
  async release(
    tx: Queryable,
    sessionId: string,
    owner: string,
    to: Exclude<SessionStatus, 'running'>,
    patch: { resumeAt?: Date; waitingFor?: string; error?: AppError; finishedAtMs?: number } = {},
  ) {
    assertTransition('running', to);
    const { error } = patch;
    const updated = await tx.query(
      `update sync_sessions set status = $3, lease_owner = null, lease_expires_at = null,
         resume_at = $4, finished_at = $5,
         error_code = $6, error_message = $7, error_hint = $8, error_failure_type = $9,
         waiting_for = $10
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
        patch.waitingFor ?? null,
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

function mergeCounts(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const merged = { ...a };
  for (const [key, n] of Object.entries(b)) merged[key] = (merged[key] ?? 0) + n;
  return merged;
}

/** Adds an event to the session's timeline, with the session's correlation id, in `tx`. */
export async function appendEvent(
  tx: Queryable,
  session: { id: string; user_id: string },
  event: SyncEvent,
) {
  await tx.query(
    `insert into sync_events (session_id, user_id, type, payload, correlation_id)
     values ($1, $2, $3, $4, (select correlation_id from sync_sessions where id = $1))`,
    [session.id, session.user_id, event.type, JSON.stringify(event.payload)],
  );
}

/** The session's timeline, in the order it was written. */
export async function listEvents(db: Queryable, sessionId: string): Promise<TimelineEvent[]> {
  const { rows } = await db.query<TimelineEvent>(
    'select created_at, type, payload from sync_events where session_id = $1 order by id',
    [sessionId],
  );
  return rows;
}

/** The payload of the session's latest event of `type`, if it has one. */
export async function latestEvent<T extends SyncEventType>(
  db: Queryable,
  sessionId: string,
  type: T,
): Promise<SyncEventMap[T] | undefined> {
  const { rows } = await db.query<{ payload: SyncEventMap[T] }>(
    `select payload from sync_events where session_id = $1 and type = $2
     order by id desc limit 1`,
    [sessionId, type],
  );
  return rows[0]?.payload;
}
