import type { Logger } from '../observability/logger.ts';
import type { Database } from '../store/database.ts';

/**
 * Fans the database's `realtime` notifications (the local stand-in of Supabase Realtime, fed by
 * the `sync_sessions` broadcast trigger) out to the live-progress streams of this process, over
 * ONE LISTEN however many browsers watch. A NOTIFY is only a latency hint: streams also poll,
 * so a lost notification (a dropped LISTEN connection, a pooler that cannot LISTEN) delays an
 * update by a poll interval and loses nothing.
 */
export interface ProgressHub {
  /** Calls `onMessage` with each broadcast payload on `topic`; returns the unsubscribe. */
  subscribe(topic: string, onMessage: (payload: Record<string, unknown>) => void): () => void;
  close(): Promise<void>;
}

export function createProgressHub(db: Database, logger: Logger): ProgressHub {
  const subscribers = new Map<string, Set<(payload: Record<string, unknown>) => void>>();
  let unlisten: Promise<() => Promise<void>> | undefined;

  const onNotify = (raw: string) => {
    try {
      const message = JSON.parse(raw) as { topic?: string; payload?: Record<string, unknown> };
      for (const fn of subscribers.get(message.topic ?? '') ?? []) fn(message.payload ?? {});
    } catch (error) {
      logger.warn({ err: error }, 'ignored a malformed realtime notification');
    }
  };

  return {
    subscribe(topic, onMessage) {
      unlisten ??= db.listen('realtime', onNotify).catch((error: unknown) => {
        logger.warn({ err: error }, 'live progress falls back to polling: LISTEN failed');
        unlisten = undefined;
        return async () => {};
      });
      let set = subscribers.get(topic);
      if (!set) {
        set = new Set();
        subscribers.set(topic, set);
      }
      set.add(onMessage);
      return () => {
        set.delete(onMessage);
        if (set.size === 0) subscribers.delete(topic);
      };
    },
    async close() {
      subscribers.clear();
      const stop = await unlisten;
      unlisten = undefined;
      await stop?.();
    },
  };
}
