import type { SSEStreamingApi } from 'hono/streaming';
import { sessionView } from '../api/session-view.ts';
import type { Clock } from '../core/clock.ts';
import { isTerminalStatus, type SyncSessionRow } from '../core/sync-session.ts';
import type { Database } from '../store/database.ts';
import { sessionStore } from '../store/session-store.ts';
import type { ProgressHub } from './progress-hub.ts';

/** Live progress: at most two updates a second, a poll as the floor, a heartbeat for proxies. */
const MIN_UPDATE_GAP_MS = 500;
const POLL_MS = 2_000;
const HEARTBEAT_MS = 15_000;

/** What the stream writes to: Hono's SSE stream, or anything that behaves like it. */
export type SessionEventSink = Pick<SSEStreamingApi, 'writeSSE' | 'write' | 'sleep' | 'onAbort'>;

/**
 * Server-Sent Events for one session, which the caller has already found to be the user's: a
 * `snapshot` first, then a `progress` event whenever the session changed (woken by the hub's
 * broadcast on `sync:<user>`, or found by the poll), heartbeats between, and the stream ends
 * after the session reaches a terminal state.
 */
export async function streamSessionEvents(
  stream: SessionEventSink,
  deps: { db: Database; clock: Clock; progressHub?: ProgressHub },
  first: SyncSessionRow,
): Promise<void> {
  const now = () => deps.clock.now();
  // A change announced while an event is written or the gap is kept must not be lost: it is
  // remembered, and the next wait returns at once instead of sleeping until the poll.
  let pending = false;
  let wake: () => void = () => {
    pending = true;
  };
  const unsubscribe =
    deps.progressHub?.subscribe(`sync:${first.user_id}`, (payload) => {
      if (payload.sessionId === first.id) wake();
    }) ?? (() => {});
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
    let session = first;
    await stream.writeSSE({
      event: 'snapshot',
      data: JSON.stringify(sessionView(session, now())),
    });
    let lastBeat = now();
    while (!aborted && !isTerminalStatus(session.status)) {
      await nextChange();
      if (aborted) break;
      const next = await sessionStore.getForUser(deps.db, first.user_id, first.id);
      // Deleted meanwhile (with its user's synced data): there is nothing left to follow.
      if (!next) break;
      if (next.updated_at.getTime() !== session.updated_at.getTime()) {
        session = next;
        await stream.writeSSE({
          event: 'progress',
          data: JSON.stringify(sessionView(session, now())),
        });
        await stream.sleep(MIN_UPDATE_GAP_MS);
      } else if (now() - lastBeat >= HEARTBEAT_MS) {
        await stream.write(': heartbeat\n\n');
        lastBeat = now();
      }
    }
  } finally {
    unsubscribe();
  }
}
