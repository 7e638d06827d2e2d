import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { type SyncTimeline, startSyncBody, syncListQuery } from '../../api/contract.ts';
import { sessionView } from '../../api/session-view.ts';
import type { Clock } from '../../core/clock.ts';
import { ConfigError, NotFoundError, RateLimitedError, TransientError } from '../../core/errors.ts';
import { FLAG_KEYS } from '../../core/feature-flags.ts';
import { openSessionFeed, streamSessionEvents } from '../../progress/session-event-stream.ts';
import type { SessionWatches } from '../../progress/session-watches.ts';
import type { JobQueue } from '../../queue/job-queue.ts';
import { startSync } from '../../queue/start-sync.ts';
import type { Database } from '../../store/database.ts';
import type { FeatureFlags } from '../../store/feature-flags.ts';
import { listEvents, sessionStore } from '../../store/session-store.ts';
import { defaultKind, requireConnection } from '../../sync/start-rules.ts';
import type { AppEnv } from '../app-env.ts';
import { requireUser } from '../auth.ts';
import type { JwtVerifier } from '../jwt.ts';
import { validateJson, validateQuery } from '../validate.ts';

const sessionId = z.guid();

/**
 * Starting, reading and cancelling sync sessions. Every query names the signed-in user, so a
 * user sees and cancels only their own sessions; someone else's id answers 404, exactly like an
 * unknown one, so ids cannot be probed.
 */
export function syncRoutes(deps: {
  db: Database;
  auth: JwtVerifier;
  clock: Clock;
  /** The process's shared watches of sessions that live-progress streams follow. */
  watches: SessionWatches;
  queue?: JobQueue;
  flags?: FeatureFlags;
}) {
  const { db, clock } = deps;
  const own = async (userId: string, id: string) => {
    if (!sessionId.safeParse(id).success) throw notFound();
    const session = await sessionStore.getForUser(db, userId, id);
    if (!session) throw notFound();
    return session;
  };

  return new Hono<AppEnv>()
    .post(
      '/api/syncs',
      requireUser(deps.auth),
      validateJson(startSyncBody, { bodyOptional: true }),
      async (c) => {
        const queue = deps.queue;
        if (!queue) throw startsUnavailable();
        const userId = c.get('user').id;
        await requireConnection(db, userId);
        await limitStarts(db, userId, clock.now());
        const kind = c.req.valid('json').kind ?? (await defaultKind(db, userId));
        if (
          kind === 'reconcile' &&
          deps.flags &&
          !(await deps.flags.isOn(FLAG_KEYS.reconcile, userId))
        )
          throw reconcileOff();
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
      },
    )
    .get('/api/syncs', requireUser(deps.auth), validateQuery(syncListQuery), async (c) => {
      const sessions = await sessionStore.list(db, {
        userId: c.get('user').id,
        limit: c.req.valid('query').limit,
      });
      c.header('cache-control', 'no-store');
      return c.json({ items: sessions.map((session) => sessionView(session, clock.now())) });
    })
    .get('/api/syncs/:id', requireUser(deps.auth), async (c) => {
      const session = await own(c.get('user').id, c.req.param('id'));
      c.header('cache-control', 'no-store');
      return c.json(sessionView(session, clock.now()));
    })
    .get('/api/syncs/:id/timeline', requireUser(deps.auth), async (c) => {
      const session = await own(c.get('user').id, c.req.param('id'));
      const events = await listEvents(db, session.id);
      c.header('cache-control', 'no-store');
      return c.json({
        items: events.map((event) => ({
          type: event.type,
          payload: event.payload as Record<string, unknown>,
          createdAt: event.created_at.toISOString(),
        })),
      } satisfies SyncTimeline);
    })
    .get('/api/syncs/:id/events', requireUser(deps.auth), async (c) => {
      const session = await own(c.get('user').id, c.req.param('id'));
      // Opened before the stream, so a user over the stream cap gets a plain 429.
      const feed = openSessionFeed(deps.watches, session);
      c.header('cache-control', 'no-store');
      return streamSSE(c, (stream) => streamSessionEvents(stream, feed, clock));
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

/** Sessions a user may start per hour: far above any real need, low enough to stop a loop. */
export const MAX_STARTS_PER_HOUR = 20;
const HOUR_MS = 3_600_000;

/** A client stuck in a loop (or a script) cannot fill the queue: 429 until the oldest start ages out. */
async function limitStarts(db: Database, userId: string, nowMs: number): Promise<void> {
  const starts = await sessionStore.startTimesSince(
    db,
    userId,
    nowMs - HOUR_MS,
    MAX_STARTS_PER_HOUR,
  );
  const oldest = starts.at(-1);
  if (starts.length < MAX_STARTS_PER_HOUR || !oldest) return;
  throw new RateLimitedError({
    code: 'sync_starts_limited',
    userMessage: `You started ${MAX_STARTS_PER_HOUR} syncs in the last hour, which is the most allowed.`,
    hint: 'Your runs keep syncing on their own; try again later.',
    resumeAt: new Date(oldest.getTime() + HOUR_MS),
  });
}

function startsUnavailable(): TransientError {
  return new TransientError({
    code: 'sync_starts_unavailable',
    userMessage: 'Syncs cannot be started through this endpoint.',
    hint: 'Start the sync from the stridesync server.',
  });
}

/** The `reconcile` flag is off for this user: the dashboard hides the button; a client asked anyway. */
function reconcileOff() {
  return new ConfigError({
    code: 'feature_off',
    userMessage: 'Reconcile is switched off for your account for now.',
    hint: 'Start an incremental sync instead; reconcile comes back when the operator turns it on.',
  });
}

function notFound(): NotFoundError {
  return new NotFoundError({
    code: 'sync_not_found',
    userMessage: 'There is no such sync for your account.',
    hint: 'Check the link, or start a new sync from the dashboard.',
  });
}
