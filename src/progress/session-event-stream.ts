import type { SSEStreamingApi } from 'hono/streaming';
import { sessionView } from '../api/session-view.ts';
import type { Clock } from '../core/clock.ts';
import { isTerminalStatus, type SyncSessionRow } from '../core/sync-session.ts';
import type { SessionWatches } from './session-watches.ts';

/** Live progress: at most two updates a second, a heartbeat for proxies between changes. */
const MIN_UPDATE_GAP_MS = 500;
const HEARTBEAT_MS = 15_000;

/** What the stream writes to: Hono's SSE stream, or anything that behaves like it. */
export type SessionEventSink = Pick<SSEStreamingApi, 'writeSSE' | 'write' | 'sleep' | 'onAbort'>;

/** One stream's view of a session's changes, from the process's shared watch. */
export interface SessionFeed {
  first: SyncSessionRow;
  /**
   * The newest state once it changed (`undefined`: the session is gone), or `null` when `ms`
   * passed without a change or the feed was closed.
   */
  next(ms: number): Promise<SyncSessionRow | undefined | null>;
  close(): void;
}

/**
 * Opens a feed on a session the caller has already found to be the user's. Throws before any
 * byte is streamed when the user holds too many streams (429), so the refusal is a plain answer.
 */
export function openSessionFeed(watches: SessionWatches, first: SyncSessionRow): SessionFeed {
  // A change announced while an event is written or the gap is kept is remembered: only the
  // newest state matters, and the next wait returns it at once.
  let changed: { row: SyncSessionRow | undefined } | null = null;
  let wake = () => {};
  let closed = false;
  const unwatch = isTerminalStatus(first.status)
    ? () => {}
    : watches.watch(first, (row) => {
        changed = { row };
        wake();
      });
  return {
    first,
    next(ms) {
      return new Promise((resolve) => {
        const take = () => {
          clearTimeout(timer);
          wake = () => {};
          const news = closed ? null : changed;
          changed = null;
          resolve(news ? news.row : null);
        };
        const timer = setTimeout(take, ms);
        if (changed || closed) take();
        else wake = take;
      });
    },
    close() {
      closed = true;
      unwatch();
      wake();
    },
  };
}

/**
 * Server-Sent Events for one session: a `snapshot` first, then a `progress` event whenever the
 * session changed, heartbeats between, and the stream ends once the session reaches a terminal
 * state or is gone.
 */
export async function streamSessionEvents(
  stream: SessionEventSink,
  feed: SessionFeed,
  clock: Clock,
): Promise<void> {
  let aborted = false;
  stream.onAbort(() => {
    aborted = true;
    feed.close();
  });
  try {
    let sent = feed.first;
    await stream.writeSSE({
      event: 'snapshot',
      data: JSON.stringify(sessionView(sent, clock.now())),
    });
    while (!aborted && !isTerminalStatus(sent.status)) {
      const next = await feed.next(HEARTBEAT_MS);
      if (aborted || next === undefined) break;
      if (next === null) {
        await stream.write(': heartbeat\n\n');
      } else if (next.updated_at.getTime() !== sent.updated_at.getTime()) {
        sent = next;
        await stream.writeSSE({
          event: 'progress',
          data: JSON.stringify(sessionView(sent, clock.now())),
        });
        await stream.sleep(MIN_UPDATE_GAP_MS);
      }
    }
  } finally {
    feed.close();
  }
}
