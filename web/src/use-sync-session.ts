import { useCallback, useEffect, useRef, useState } from 'react';
import type { SessionView } from '../../src/api/contract.ts';
import type { ApiClient, ApiError } from '../../src/client/api-client.ts';
import type { RealtimeSource } from '../../src/client/realtime.ts';
import { TERMINAL_SESSION_STATUSES } from '../../src/core/glossary.ts';

export type Transport = 'realtime' | 'sse' | 'poll';

export function isTerminal(session: Pick<SessionView, 'status'>): boolean {
  return (TERMINAL_SESSION_STATUSES as readonly string[]).includes(session.status);
}

/**
 * The sync session on screen and its live updates. `follow` shows a session (or none) and, while it is
 * active, subscribes to it (Realtime, else the server's event stream, else polling: the client
 * picks and reports which); the subscription ends at a terminal state or on unmount.
 */
export function useSyncSession(
  client: ApiClient,
  realtime: RealtimeSource | undefined,
  onStreamError: (error: ApiError) => void,
) {
  const [session, setSession] = useState<SessionView | null>(null);
  const [transport, setTransport] = useState<Transport | null>(null);
  const subscription = useRef<{ close(): void } | null>(null);
  const onError = useRef(onStreamError);
  onError.current = onStreamError;

  const stop = useCallback(() => {
    subscription.current?.close();
    subscription.current = null;
    setTransport(null);
  }, []);

  const follow = useCallback(
    (next: SessionView | null) => {
      stop();
      setSession(next);
      if (!next || isTerminal(next)) return;
      // Declared first: an update may arrive before subscribeProgress returns.
      let handle: { close(): void } | undefined;
      const created = client.subscribeProgress(
        next.id,
        (update: SessionView) => {
          setSession(update);
          if (isTerminal(update) && subscription.current === handle) stop();
        },
        {
          ...(realtime ? { realtime } : {}),
          onTransportChange: setTransport,
          onError: (error: ApiError) => onError.current(error),
        },
      );
      handle = created;
      subscription.current = created;
      setTransport(created.transport);
    },
    [client, realtime, stop],
  );

  useEffect(() => stop, [stop]);
  return { session, transport, follow };
}

/**
 * Calls back when a followed session enters a new phase, and once when it ends. A session that
 * was already over when the page loaded is history, not news: no callback for it.
 */
export function useSessionOutcome(
  session: SessionView | null,
  on: { onPhase: (phase: string) => void; onFinished: (session: SessionView) => void },
) {
  const seen = useRef<{ id: string; phase: string | null; active: boolean } | null>(null);
  const handlers = useRef(on);
  handlers.current = on;
  useEffect(() => {
    if (!session) return;
    const before = seen.current?.id === session.id ? seen.current : null;
    const active = !isTerminal(session);
    seen.current = { id: session.id, phase: session.phase, active };
    if (active && session.phase && session.phase !== before?.phase)
      handlers.current.onPhase(session.phase);
    if (!active && (before?.active ?? false)) handlers.current.onFinished(session);
  }, [session]);
}
