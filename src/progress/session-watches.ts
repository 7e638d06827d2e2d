import { RateLimitedError } from '../core/errors.ts';
import { isTerminalStatus, type SyncSessionRow } from '../core/sync-session.ts';
import type { Logger } from '../observability/logger.ts';
import type { Database } from '../store/database.ts';
import { sessionStore } from '../store/session-store.ts';
import type { ProgressHub } from './progress-hub.ts';

/** The poll that is the floor under the hub's notifications (a lost NOTIFY costs this much). */
export const WATCH_POLL_MS = 2_000;

/**
 * Live-progress streams one user may hold open in this process: a dashboard in a few tabs and a
 * CLI, with room to spare. Each stream holds a connection open and a timer; without a cap one
 * token could open thousands.
 */
export const MAX_STREAMS_PER_USER = 8;

/** What a stream hears: the session's new state, or `undefined` once it is gone (purged). */
export type SessionListener = (session: SyncSessionRow | undefined) => void;

export interface SessionWatches {
  /**
   * Follows `first`'s session for one stream: `onChange` hears each change after `first`. Every
   * stream of one session in this process shares ONE poll and one hub subscription, so a
   * session read costs the same for one watcher as for a hundred. Returns the unwatch.
   * Throws a RateLimitedError (429) when the user already holds MAX_STREAMS_PER_USER streams.
   */
  watch(first: SyncSessionRow, onChange: SessionListener): () => void;
}

interface Watched {
  latest: SyncSessionRow;
  listeners: Set<SessionListener>;
  stop: () => void;
}

export function createSessionWatches(deps: {
  db: Database;
  logger: Logger;
  progressHub?: ProgressHub;
  pollMs?: number;
  maxStreamsPerUser?: number;
}): SessionWatches {
  const pollMs = deps.pollMs ?? WATCH_POLL_MS;
  const maxStreams = deps.maxStreamsPerUser ?? MAX_STREAMS_PER_USER;
  const sessions = new Map<string, Watched>();
  const streamsByUser = new Map<string, number>();

  const start = (first: SyncSessionRow): Watched => {
    let timer: NodeJS.Timeout | undefined;
    let reading = false;
    let again = false;
    const watched: Watched = { latest: first, listeners: new Set(), stop: () => {} };
    const end = () => {
      clearTimeout(timer);
      unsubscribe();
      sessions.delete(first.id);
    };
    // One read at a time; a wake-up during a read asks for one more right after it.
    const read = async () => {
      if (reading) {
        again = true;
        return;
      }
      reading = true;
      clearTimeout(timer);
      try {
        const next = await sessionStore.getForUser(deps.db, first.user_id, first.id);
        if (!next || next.updated_at.getTime() !== watched.latest.updated_at.getTime()) {
          if (next) watched.latest = next;
          for (const listener of watched.listeners) listener(next);
        }
        if (!next || isTerminalStatus(next.status)) return end();
      } catch (error) {
        deps.logger.warn({ err: error, sessionId: first.id }, 'live progress read failed');
      } finally {
        reading = false;
      }
      if (!sessions.has(first.id)) return;
      if (again) {
        again = false;
        void read();
      } else timer = setTimeout(() => void read(), pollMs);
    };
    const unsubscribe =
      deps.progressHub?.subscribe(`sync:${first.user_id}`, (payload) => {
        if (payload.sessionId === first.id) void read();
      }) ?? (() => {});
    watched.stop = end;
    timer = setTimeout(() => void read(), pollMs);
    return watched;
  };

  return {
    watch(first, onChange) {
      const held = streamsByUser.get(first.user_id) ?? 0;
      if (held >= maxStreams) {
        throw new RateLimitedError({
          code: 'too_many_streams',
          userMessage: `Your account already follows ${maxStreams} syncs live from this server.`,
          hint: 'Close some of the dashboard tabs or progress commands you left open, then retry.',
          resumeAt: new Date(Date.now() + pollMs),
        });
      }
      streamsByUser.set(first.user_id, held + 1);
      const watched = sessions.get(first.id) ?? start(first);
      sessions.set(first.id, watched);
      watched.listeners.add(onChange);
      // A stream that joins late starts from the newest state the shared poll has seen.
      if (watched.latest.updated_at.getTime() !== first.updated_at.getTime()) {
        queueMicrotask(() => onChange(watched.latest));
      }
      let unwatched = false;
      return () => {
        if (unwatched) return;
        unwatched = true;
        watched.listeners.delete(onChange);
        const left = (streamsByUser.get(first.user_id) ?? 1) - 1;
        if (left > 0) streamsByUser.set(first.user_id, left);
        else streamsByUser.delete(first.user_id);
        if (watched.listeners.size === 0) watched.stop();
      };
    },
  };
}
