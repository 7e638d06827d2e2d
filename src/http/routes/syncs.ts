import { Hono } from 'hono';
import { type SSEStreamingApi, streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { startSyncBody, syncListQuery } from '../../api/contract.ts';
import { sessionView } from '../../api/session-view.ts';
import type { Clock } from '../../core/clock.ts';
import { NotFoundError, RateLimitedError, TransientError } from '../../core/errors.ts';
import {
  isTerminalStatus,
  type SyncSessionRow,
  syncSessionRowSchema,
} from '../../core/sync-session.ts';
import type { ProgressHub } from '../../progress/progress-hub.ts';
import type { JobQueue } from '../../queue/job-queue.ts';
import { startSync } from '../../queue/start-sync.ts';
import type { Database } from '../../store/database.ts';
import { sessionStore } from '../../store/session-store.ts';
import { defaultKind, requireConnection } from '../../sync/start-rules.ts';
import type { AppEnv } from '../app-env.ts';
import { requireUser } from '../auth.ts';
import type { JwtVerifier } from '../jwt.ts';
import { validateJson, validateQuery } from '../validate.ts';

const sessionId = z.guid();

/** Live progress: at most two updates a second, a poll as the floor, a heartbeat for proxies. */
const MIN_UPDATE_GAP_MS = 500;
const POLL_MS = 2_000;
const HEARTBEAT_MS = 15_000;

/**
 * Starting, reading and cancelling sync sessions. Every query names the signed-in user, so a
 * user sees and cancels only their own sessions; someone else's id answers 404, exactly like an
 * unknown one, so ids cannot be probed.
 */
export function syncRoutes(deps: {
  db: Database;
  auth: JwtVerifier;
  clock: Clock;
  progressHub?: ProgressHub;
  queue?: JobQueue;
}) {
  const { db, clock } = deps;
  const own = async (userId: string, id: string) => {
    if (!sessionId.safeParse(id).success) throw notFound();
    const { rows } = await db.query('select * from sync_sessions where id = $1 and user_id = $2', [
      id,
      userId,
    ]);
    if (!rows[0]) throw notFound();
    return syncSessionRowSchema.parse(rows[0]);
  };

  return new Hono<AppEnv>()
    .post('/api/syncs', requireUser(deps.auth), validateJson(startSyncBody), async (c) => {
      const queue = deps.queue;
      if (!queue) throw startsUnavailable();
      const userId = c.get('user').id;
      await requireConnection(db, userId);
      await limitStarts(db, userId, clock.now());
      const kind = c.req.valid('json').kind ?? (await defaultKind(db, userId));
      const started = await startSync(db, queue, {
        userId,
        kind,
        correlationId: c.get('correlationId'),
      });
      c.get('logger').info(
        { sessionId: started.session.id, kind, created: started.created },
        'sync start requested',
      );
      return c.json(sessionView(started.session, clock.now()), started.created ? 202 : 200);
    })
    .get('/api/syncs', requireUser(deps.auth), validateQuery(syncListQuery), async (c) => {
      const { rows } = await db.query(
        'select * from sync_sessions where user_id = $1 order by created_at desc limit $2',
        [c.get('user').id, c.req.valid('query').limit],
      );
      c.header('cache-control', 'no-store');
      return c.json({
        items: rows.map((row) => sessionView(syncSessionRowSchema.parse(row), clock.now())),
      });
    })
    .get('/api/syncs/:id', requireUser(deps.auth), async (c) => {
      const session = await own(c.get('user').id, c.req.param('id'));
      c.header('cache-control', 'no-store');
      return c.json(sessionView(session, clock.now()));
    })
    .get('/api/syncs/:id/events', requireUser(deps.auth), async (c) => {
      const userId = c.get('user').id;
      const first = await own(userId, c.req.param('id'));
      c.header('cache-control', 'no-store');
      return streamSSE(c, (stream) =>
        streamProgress(stream, {
          first,
          read: () => own(userId, first.id),
          subscribe: (wake) =>
            deps.progressHub?.subscribe(`sync:${userId}`, (payload) => {
              if (payload.sessionId === first.id) wake();
            }) ?? (() => {}),
          now: () => clock.now(),
        }),
      );
    })
    .post('/api/syncs/:id/cancel', requireUser(deps.auth), async (c) => {
      const session = await own(c.get('user').id, c.req.param('id'));
      const cancelled = await sessionStore.requestCancel(db, session.id, clock.now());
      if (!cancelled) throw notFound();
      c.get('logger').info(
        { sessionId: session.id, status: cancelled.status },
        'sync cancel requested',
      );
      return c.json(sessionView(cancelled, clock.now()), 202);
    });
}

/**
 * Server-Sent Events for one session: a `snapshot` first, then a `progress` event whenever the
 * session changed (woken by the broadcast, or found by the poll), heartbeats between, and the
 * stream ends after the session reaches a terminal state.
 */
async function streamProgress(
  stream: SSEStreamingApi,
  io: {
    first: SyncSessionRow;
    read: () => Promise<SyncSessionRow>;
    subscribe: (wake: () => void) => () => void;
    now: () => number;
  },
) {
  // A change announced while an event is written or the gap is kept must not be lost: it is
  // remembered, and the next wait returns at once instead of sleeping until the poll.
  let pending = false;
  let wake: () => void = () => {
    pending = true;
  };
  const unsubscribe = io.subscribe(() => wake());
  let aborted = false;
  stream.onAbort(() => {
    aborted = true;
    wake();
  });
  const nextChange = () =>
    new Promise<void>((resolve) => {
      if (pending) {
        pending = false;
        resolve();
        return;
      }
      const timer = setTimeout(done, POLL_MS);
      function done() {
        clearTimeout(timer);
        wake = () => {
          pending = true;
        };
        resolve();
      }
      wake = done;
    });
  try {
    let session = io.first;
    await stream.writeSSE({
      event: 'snapshot',
      data: JSON.stringify(sessionView(session, io.now())),
    });
    let lastBeat = io.now();
    while (!aborted && !isTerminalStatus(session.status)) {
      await nextChange();
      if (aborted) break;
      const next = await io.read();
      if (next.updated_at.getTime() !== session.updated_at.getTime()) {
        session = next;
        await stream.writeSSE({
          event: 'progress',
          data: JSON.stringify(sessionView(session, io.now())),
        });
        await stream.sleep(MIN_UPDATE_GAP_MS);
      } else if (io.now() - lastBeat >= HEARTBEAT_MS) {
        await stream.write(': heartbeat\n\n');
        lastBeat = io.now();
      }
    }
  } finally {
    unsubscribe();
  }
}

/** Sessions a user may start per hour: far above any real need, low enough to stop a loop. */
export const MAX_STARTS_PER_HOUR = 20;
const HOUR_MS = 3_600_000;

/** A client stuck in a loop (or a script) cannot fill the queue: 429 until the oldest start ages out. */
async function limitStarts(db: Database, userId: string, nowMs: number): Promise<void> {
  const { rows } = await db.query<{ created_at: Date }>(
    `select created_at from sync_sessions where user_id = $1 and created_at > $2
     order by created_at desc limit $3`,
    [userId, new Date(nowMs - HOUR_MS).toISOString(), MAX_STARTS_PER_HOUR],
  );
  const oldest = rows.at(-1);
  if (rows.length < MAX_STARTS_PER_HOUR || !oldest) return;
  throw new RateLimitedError({
    code: 'sync_starts_limited',
    userMessage: `You started ${MAX_STARTS_PER_HOUR} syncs in the last hour, which is the most allowed.`,
    hint: 'Your runs keep syncing on their own; try again later.',
    resumeAt: new Date(oldest.created_at.getTime() + HOUR_MS),
  });
}

function startsUnavailable(): TransientError {
  return new TransientError({
    code: 'sync_starts_unavailable',
    userMessage: 'Syncs cannot be started through this endpoint.',
    hint: 'Start the sync from the stridesync server.',
  });
}

function notFound(): NotFoundError {
  return new NotFoundError({
    code: 'sync_not_found',
    userMessage: 'There is no such sync for your account.',
    hint: 'Check the link, or start a new sync from the dashboard.',
  });
}
