import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SessionView } from '../../src/api/contract.ts';
import type { ProgressSubscription, ProgressTransport } from '../../src/client/api-client.ts';
import type { RealtimeHandlers, RealtimeSource } from '../../src/client/realtime.ts';
import {
  type ClientHarness,
  eventually,
  startClientHarness,
  workerMoves,
} from './client-harness.ts';
import { type CuttingProxy, startCuttingProxy } from './cutting-proxy.ts';

/**
 * Supabase Realtime's hosted service cannot run here: this stands in for it (the one fake these
 * tests use). The test plays the service: it reports the channel's status and sends broadcasts
 * with the payload the database trigger sends.
 */
function fakeRealtime() {
  const channels: { topic: string; handlers: RealtimeHandlers; open: boolean }[] = [];
  const source: RealtimeSource = {
    subscribe(topic, handlers) {
      const channel = { topic, handlers, open: true };
      channels.push(channel);
      return () => {
        channel.open = false;
      };
    },
  };
  const current = () => {
    const channel = channels.at(-1);
    if (!channel?.open) throw new Error('no open Realtime subscription');
    return channel;
  };
  return { source, channels, current };
}

/** The broadcast the `sync_sessions` trigger sends (supabase/migrations/*_realtime_progress.sql). */
function broadcastOf(sessionId: string, stored = 0) {
  return {
    sessionId,
    status: 'running',
    phase: 'fetching',
    listed: stored,
    stored,
    skipped: 0,
    enriched: 0,
    resumeAt: null,
    cancelRequested: false,
  };
}

describe('live progress over Realtime, with polling when the channel fails', () => {
  let h: ClientHarness;
  let proxy: CuttingProxy;
  const subscriptions: ProgressSubscription[] = [];

  beforeAll(async () => {
    h = await startClientHarness();
    proxy = await startCuttingProxy(h.server.url);
  });
  afterEach(() => {
    for (const subscription of subscriptions.splice(0)) subscription.close();
  });
  afterAll(async () => {
    await proxy.close();
    await h.close();
  });

  const readsOf = (id: string) => proxy.requests.filter((r) => r === `GET /api/syncs/${id}`).length;

  async function subscribed() {
    const user = await h.clientFor({ baseUrl: proxy.url });
    const id = await user.queuedSession();
    const realtime = fakeRealtime();
    const sessions: SessionView[] = [];
    const transports: ProgressTransport[] = [];
    const subscription = user.client.subscribeProgress(id, (s) => sessions.push(s), {
      realtime: realtime.source,
      onTransportChange: (t) => transports.push(t),
    });
    subscriptions.push(subscription);
    await eventually(() => realtime.channels.length === 1, 'the Realtime subscription');
    realtime.current().handlers.onStatus('subscribed');
    await eventually(() => sessions.length === 1, 'the current session');
    // The first read, and the one after joining (changes before the join were not broadcast).
    await eventually(() => readsOf(id) === 2, 'the read after joining');
    return {
      ...user,
      id,
      realtime,
      sessions,
      transports,
      subscription,
      moves: workerMoves(h.t.db, id),
    };
  }

  it('joins the user’s private topic and re-reads the session on its broadcasts only', async () => {
    const { userId, id, realtime, sessions, transports, subscription, moves } = await subscribed();
    expect(realtime.channels[0]?.topic).toBe(`sync:${userId}`);
    expect(subscription.transport).toBe('realtime');

    await moves.claim();
    const reads = readsOf(id);
    realtime.current().handlers.onMessage(broadcastOf('5b0e4c1a-2f3d-4e5f-8a9b-0c1d2e3f4a5b'));
    realtime.current().handlers.onMessage({ unrelated: true });
    realtime.current().handlers.onMessage(broadcastOf(id));
    await eventually(() => sessions.some((s) => s.status === 'running'), 'the claim');
    // Only the broadcast about this session cost a read.
    await eventually(() => readsOf(id) === reads + 1, 'the read for this session');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(readsOf(id)).toBe(reads + 1);
    expect(transports).toEqual([]);
  });

  it('coalesces a burst of broadcasts into at most two reads, ending on the latest state', async () => {
    const { id, realtime, sessions, moves } = await subscribed();
    await moves.claim();
    await moves.enter('fetching');
    await moves.storeSlice(300);
    const reads = readsOf(id);
    for (let stored = 1; stored <= 300; stored += 30)
      realtime.current().handlers.onMessage(broadcastOf(id, stored));
    await eventually(() => sessions.at(-1)?.counts.stored === 300, 'the latest state');
    await eventually(() => readsOf(id) > reads, 'a read for the burst');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(readsOf(id) - reads).toBeLessThanOrEqual(2);
  });

  it('polls while the channel is in error, and stops polling once it is back', async () => {
    const { id, realtime, sessions, transports, subscription, moves } = await subscribed();
    realtime.current().handlers.onStatus('error');
    expect(subscription.transport).toBe('poll');
    await moves.claim();
    await eventually(() => sessions.some((s) => s.status === 'running'), 'the claim, by polling');

    // Not back by itself: the channel is opened again after the backoff.
    await eventually(() => realtime.channels.length === 2, 'a new subscription', 15_000);
    expect(realtime.channels[0]?.open).toBe(false);
    realtime.channels[1]?.handlers.onStatus('subscribed');
    expect(subscription.transport).toBe('realtime');
    expect(transports).toEqual(['poll', 'realtime']);
    // A late word from the dropped channel changes nothing.
    realtime.channels[0]?.handlers.onStatus('error');
    expect(subscription.transport).toBe('realtime');

    await new Promise((resolve) => setTimeout(resolve, 500));
    const reads = readsOf(id);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(readsOf(id)).toBe(reads);
  }, 40_000);

  it('polls when the channel closes, through to completion, then unsubscribes', async () => {
    const { realtime, sessions, subscription, moves } = await subscribed();
    realtime.current().handlers.onStatus('closed');
    expect(subscription.transport).toBe('poll');
    await moves.claim();
    await eventually(() => sessions.some((s) => s.status === 'running'), 'the claim, by polling');
    await moves.complete();
    await eventually(() => sessions.at(-1)?.status === 'completed', 'completion, by polling');
    expect(sessions.map((s) => s.status)).toEqual(['queued', 'running', 'completed']);
    expect(realtime.channels.every((channel) => !channel.open)).toBe(true);
  });

  it('delivers completion from a broadcast and unsubscribes', async () => {
    const { id, realtime, sessions, moves } = await subscribed();
    await moves.claim();
    await moves.complete();
    realtime.current().handlers.onMessage({ ...broadcastOf(id), status: 'completed' });
    await eventually(() => sessions.at(-1)?.status === 'completed', 'completion');
    expect(realtime.channels[0]?.open).toBe(false);
  });
});
