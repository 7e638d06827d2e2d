import type { RealtimeChannel, SupabaseClient } from '@supabase/supabase-js';

export type RealtimeStatus = 'subscribed' | 'closed' | 'error';

export interface RealtimeHandlers {
  onMessage: (payload: unknown) => void;
  onStatus: (status: RealtimeStatus) => void;
}

/** Where live progress comes from when the deployment has Supabase Realtime. */
export interface RealtimeSource {
  /** Subscribes to a private broadcast topic (`sync:<user id>`); returns the unsubscribe. */
  subscribe(topic: string, handlers: RealtimeHandlers): () => void;
}

/** The broadcast event the database's trigger sends on every meaningful session change. */
const PROGRESS_EVENT = 'progress';

interface TopicChannel {
  channel: RealtimeChannel;
  listeners: Set<RealtimeHandlers>;
  status: RealtimeStatus | undefined;
}

/**
 * Supabase Realtime's private broadcast channels, one per topic however many subscribe to it:
 * supabase-js hands back the existing channel for a topic, and a channel can be subscribed only
 * once. The channel rejoins by itself after an error; a closed one is removed so the next
 * subscribe opens a fresh one. The access token is set first: a private channel's join is
 * authorized by the RLS policy on realtime.messages (one's own `sync:<user id>` only).
 */
export function supabaseRealtimeSource(client: SupabaseClient): RealtimeSource {
  const topics = new Map<string, TopicChannel>();

  const open = (topic: string): TopicChannel => {
    const entry: TopicChannel = {
      channel: client.channel(topic, { config: { private: true } }),
      listeners: new Set(),
      status: undefined,
    };
    const setStatus = (status: RealtimeStatus) => {
      entry.status = status;
      for (const listener of entry.listeners) listener.onStatus(status);
    };
    entry.channel.on('broadcast', { event: PROGRESS_EVENT }, (message) => {
      for (const listener of entry.listeners) listener.onMessage(message.payload);
    });
    client.realtime.setAuth().then(
      () => {
        if (topics.get(topic) !== entry) return;
        entry.channel.subscribe((status) => {
          if (status === 'SUBSCRIBED') return setStatus('subscribed');
          if (status !== 'CLOSED') return setStatus('error');
          if (topics.get(topic) === entry) close(topic, entry);
          setStatus('closed');
        });
      },
      () => setStatus('error'),
    );
    return entry;
  };

  const close = (topic: string, entry: TopicChannel) => {
    topics.delete(topic);
    void client.removeChannel(entry.channel);
  };

  return {
    subscribe(topic, handlers) {
      let entry = topics.get(topic);
      if (!entry) {
        entry = open(topic);
        topics.set(topic, entry);
      }
      const joined = entry;
      joined.listeners.add(handlers);
      if (joined.status) handlers.onStatus(joined.status);
      return () => {
        joined.listeners.delete(handlers);
        if (joined.listeners.size === 0 && topics.get(topic) === joined) close(topic, joined);
      };
    },
  };
}
