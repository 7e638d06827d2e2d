import type { SessionView } from '../api/contract.ts';
import { isTerminalStatus } from '../core/sync-session.ts';
import { ApiError } from './api-error.ts';
import type { RealtimeSource } from './realtime.ts';
import { isNewerSession } from './session-order.ts';
import { createSseParser } from './sse-parser.ts';

export type ProgressTransport = 'realtime' | 'sse' | 'poll';

export interface SubscribeOptions {
  /** Supabase Realtime, when the deployment has it; else SSE. */
  realtime?: RealtimeSource;
  /** How often to read the session while no stream works (default 2000). */
  pollIntervalMs?: number;
  /** Called on each change of transport (not for the one it starts with: see `transport`). */
  onTransportChange?: (transport: ProgressTransport) => void;
  /** The subscription stopped on this error (401, 404): someone must act. Transient ones are retried. */
  onError?: (error: ApiError) => void;
}

export interface ProgressSubscription {
  close(): void;
  readonly transport: ProgressTransport;
}

/** What a subscription needs from the API client. */
export interface ProgressIo {
  getSync(id: string): Promise<SessionView>;
  /** `GET /api/syncs/:id/events`, authorized; rejects with an ApiError when not 2xx. */
  openEvents(id: string, signal: AbortSignal): Promise<Response>;
  /** The signed-in user's id: their Realtime topic is `sync:<user id>`. */
  userId(): Promise<string>;
}

const POLL_INTERVAL_MS = 2_000;
/** Back to the stream after a drop: 5 s, doubling to 30 s, reset once a stream works again. */
const RECONNECT_MIN_MS = 5_000;
const RECONNECT_MAX_MS = 30_000;
/** The server writes its snapshot at once; nothing by then means something holds the stream back. */
const STREAM_OPEN_MS = 10_000;
/** The server sends a heartbeat every 15 s: three missed means the stream is dead, not quiet. */
const STREAM_IDLE_MS = 45_000;

/**
 * Live progress of one session: the current state first, then every change, until a terminal
 * state has been delivered. A stream (Realtime, else SSE) says when something changed; when it
 * drops or cannot open, polling takes over at once and the stream is retried with backoff, and
 * polling stops as soon as a stream works again. Whatever the source, a session older than one
 * already delivered is never delivered (`isNewerSession`).
 */
export function subscribeProgress(
  io: ProgressIo,
  sessionId: string,
  onUpdate: (session: SessionView) => void,
  options: SubscribeOptions = {},
): ProgressSubscription {
  const pollIntervalMs = options.pollIntervalMs ?? POLL_INTERVAL_MS;
  let transport: ProgressTransport = options.realtime ? 'realtime' : 'sse';
  let closed = false;
  let latest: SessionView | undefined;
  let readTimer: ReturnType<typeof setTimeout> | undefined;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let reconnectDelayMs = RECONNECT_MIN_MS;
  let stopStream: (() => void) | undefined;
  /** Bumped per stream attempt, so a dropped Realtime subscription's late callbacks are ignored. */
  let attempt = 0;

  const close = () => {
    if (closed) return;
    closed = true;
    clearTimeout(readTimer);
    clearTimeout(reconnectTimer);
    stopStream?.();
  };

  const fail = (error: ApiError) => {
    if (closed) return;
    close();
    options.onError?.(error);
  };

  const deliver = (session: SessionView) => {
    if (closed || !isNewerSession(session, latest)) return;
    latest = session;
    try {
      onUpdate(session);
    } catch (error) {
      // The page's bug, not the stream's: report it without tearing the subscription down.
      queueMicrotask(() => {
        throw error;
      });
    }
    if (isTerminalStatus(session.status)) close();
  };

  const setTransport = (next: ProgressTransport) => {
    if (next === transport) return;
    transport = next;
    options.onTransportChange?.(next);
  };

  // Reads are coalesced: a burst of change notices costs one read in flight and one after it.
  let reading: Promise<void> | undefined;
  let readAgain = false;
  const refresh = (): Promise<void> => {
    if (reading) {
      readAgain = true;
      return reading;
    }
    reading = (async () => {
      let failed = false;
      do {
        readAgain = false;
        try {
          deliver(await io.getSync(sessionId));
          failed = false;
        } catch (error) {
          if (isFatal(error)) return fail(error);
          failed = true;
        }
      } while (readAgain && !closed);
      reading = undefined;
      // Polling, or a read that failed and must not leave a stale state on screen: read again.
      if (!closed && (transport === 'poll' || failed)) {
        readTimer ??= setTimeout(() => {
          readTimer = undefined;
          void refresh();
        }, pollIntervalMs);
      }
    })();
    return reading;
  };

  const streamUp = (kind: 'realtime' | 'sse') => {
    clearTimeout(reconnectTimer);
    reconnectTimer = undefined;
    reconnectDelayMs = RECONNECT_MIN_MS;
    clearTimeout(readTimer);
    readTimer = undefined;
    setTransport(kind);
  };

  const streamDown = () => {
    if (closed) return;
    if (transport !== 'poll') {
      setTransport('poll');
      void refresh();
    }
    if (reconnectTimer) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      stopStream?.();
      openStream();
    }, reconnectDelayMs);
    reconnectDelayMs = Math.min(reconnectDelayMs * 2, RECONNECT_MAX_MS);
  };

  const openSse = async () => {
    const controller = new AbortController();
    stopStream = () => controller.abort();
    // A stream that sends nothing is cut: a proxy that buffers it, or a connection gone quiet.
    let watchdog = setTimeout(() => controller.abort(), STREAM_OPEN_MS);
    const onChunk = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => controller.abort(), STREAM_IDLE_MS);
    };
    try {
      const response = await io.openEvents(sessionId, controller.signal);
      await readEvents(response, onChunk, (session) => {
        streamUp('sse');
        deliver(session);
      });
    } catch (error) {
      if (isFatal(error)) return fail(error);
    } finally {
      clearTimeout(watchdog);
    }
    // Ended without a terminal state, or never opened: the stream dropped.
    streamDown();
  };

  const openRealtime = async (source: RealtimeSource, mine: number) => {
    let userId: string;
    try {
      userId = await io.userId();
    } catch (error) {
      return isFatal(error) ? fail(error) : streamDown();
    }
    if (closed || mine !== attempt) return;
    stopStream = source.subscribe(`sync:${userId}`, {
      onMessage: (payload) => {
        if (mine === attempt && isAbout(payload, sessionId)) void refresh();
      },
      onStatus: (status) => {
        if (closed || mine !== attempt) return;
        if (status !== 'subscribed') return streamDown();
        streamUp('realtime');
        // Changes made before the join were never broadcast to us.
        void refresh();
      },
    });
  };

  const openStream = () => {
    if (closed) return;
    attempt += 1;
    if (options.realtime) void openRealtime(options.realtime, attempt);
    else void openSse();
  };

  void refresh().then(openStream);

  return {
    close,
    get transport() {
      return transport;
    },
  };
}

/** Reads a session's event stream until it ends (or its request is aborted). */
async function readEvents(
  response: Response,
  onChunk: () => void,
  onSession: (session: SessionView) => void,
): Promise<void> {
  if (!response.body || !response.headers.get('content-type')?.includes('text/event-stream'))
    return;
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const parser = createSseParser();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    onChunk();
    for (const event of parser.push(decoder.decode(value, { stream: true }))) {
      if (event.event === 'snapshot' || event.event === 'progress')
        onSession(JSON.parse(event.data) as SessionView);
    }
  }
}

function isAbout(payload: unknown, sessionId: string): boolean {
  return (
    typeof payload === 'object' &&
    payload !== null &&
    (payload as { sessionId?: unknown }).sessionId === sessionId
  );
}

/** A failure someone must act on (401, 404); anything else is retried. */
function isFatal(error: unknown): error is ApiError {
  return error instanceof ApiError && !error.isTransient;
}
