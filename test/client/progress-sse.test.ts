import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SessionView } from '../../src/api/contract.ts';
import {
  type ApiError,
  createApiClient,
  type ProgressSubscription,
  type ProgressTransport,
} from '../../src/client/api-client.ts';
import {
  type ClientHarness,
  eventually,
  startClientHarness,
  workerMoves,
} from './client-harness.ts';
import { type CuttingProxy, startCuttingProxy } from './cutting-proxy.ts';

/** One subscription's deliveries, transports and errors, as a page would see them. */
function watch() {
  const sessions: SessionView[] = [];
  const transports: ProgressTransport[] = [];
  const errors: ApiError[] = [];
  return {
    sessions,
    transports,
    errors,
    onUpdate: (session: SessionView) => sessions.push(session),
    options: {
      onTransportChange: (transport: ProgressTransport) => transports.push(transport),
      onError: (error: ApiError) => errors.push(error),
    },
    last: () => sessions.at(-1),
    /** Waits for a delivery that satisfies `check`. */
    delivered: (check: (session: SessionView) => boolean, what: string, timeoutMs?: number) =>
      eventually(() => sessions.some(check), what, timeoutMs),
  };
}

/** A short form of a delivery, to compare sequences. */
const stateOf = (s: SessionView) => `${s.status}/${s.phase ?? '-'}/${s.counts.stored}`;

describe('live progress over Server-Sent Events, through a proxy that can cut streams', () => {
  let h: ClientHarness;
  let proxy: CuttingProxy;
  const subscriptions: ProgressSubscription[] = [];

  beforeAll(async () => {
    h = await startClientHarness();
    proxy = await startCuttingProxy(h.server.url);
  });
  afterEach(() => {
    for (const subscription of subscriptions.splice(0)) subscription.close();
    proxy.blockEvents = false;
  });
  afterAll(async () => {
    await proxy.close();
    await h.close();
  });

  /** Requests for this session's state (`GET /api/syncs/:id`), not its stream. */
  const readsOf = (id: string) => proxy.requests.filter((r) => r === `GET /api/syncs/${id}`).length;
  const streamsOf = (id: string) =>
    proxy.requests.filter((r) => r === `GET /api/syncs/${id}/events`).length;

  async function startedSync() {
    const user = await h.clientFor({ baseUrl: proxy.url });
    await h.connectStrava(user.userId);
    const { session } = await user.client.startSync();
    return { ...user, id: session.id, moves: workerMoves(h.t.db, session.id) };
  }

  it('delivers the session, then each change in order, through to completion, then stops', async () => {
    const { client, id, moves } = await startedSync();
    const w = watch();
    const subscription = client.subscribeProgress(id, w.onUpdate, w.options);
    subscriptions.push(subscription);
    expect(subscription.transport).toBe('sse');
    await w.delivered((s) => s.status === 'queued', 'the queued session');
    await eventually(() => proxy.openStreams() === 1, 'the stream to open');

    const steps: [() => Promise<unknown>, string][] = [
      [() => moves.claim(), 'running/-/0'],
      [() => moves.enter('fetching'), 'running/fetching/0'],
      [() => moves.storeSlice(200), 'running/fetching/200'],
      [() => moves.park(new Date(Date.now() + 1_000)), 'rate_limited/fetching/200'],
      [
        () => eventually(async () => (await moves.claim()) !== undefined, 'the window to reset'),
        'running/fetching/200',
      ],
      [() => moves.storeSlice(150), 'running/fetching/350'],
      [() => moves.enter('enriching'), 'running/enriching/350'],
      [() => moves.enrich(350), 'running/enriching/350'],
      [() => moves.enter('finalizing'), 'running/finalizing/350'],
      [() => moves.complete(), 'completed/finalizing/350'],
    ];
    for (const [move, state] of steps) {
      const before = w.sessions.length;
      await move();
      await eventually(() => w.sessions.length > before, `the change to ${state}`);
      expect(stateOf(w.last()!)).toBe(state);
    }

    expect(w.sessions.map(stateOf)).toEqual(['queued/-/0', ...steps.map(([, state]) => state)]);
    expect(w.last()).toMatchObject({ progress: { percent: 100 }, counts: { enriched: 350 } });
    expect(w.sessions.find((s) => s.status === 'rate_limited')?.progress.waitingUntil).toEqual(
      expect.any(String),
    );
    expect(w.transports).toEqual([]);
    expect(w.errors).toEqual([]);
    // Everything came over the stream: one read for the first state, one stream, no polling.
    expect(readsOf(id)).toBe(1);
    expect(streamsOf(id)).toBe(1);
    await eventually(() => proxy.openStreams() === 0, 'the stream to end');
  });

  it('falls back to polling when the stream is cut, and returns to it when it can', async () => {
    const { client, id, moves } = await startedSync();
    const w = watch();
    const subscription = client.subscribeProgress(id, w.onUpdate, w.options);
    subscriptions.push(subscription);
    await eventually(() => proxy.openStreams() === 1, 'the stream to open');

    proxy.blockEvents = true;
    proxy.cutEvents();
    await eventually(() => subscription.transport === 'poll', 'polling');
    expect(w.transports).toEqual(['poll']);
    await moves.claim();
    await w.delivered((s) => s.status === 'running', 'the claim, by polling');
    await moves.enter('fetching');
    await moves.storeSlice(120);
    await w.delivered((s) => s.counts.stored === 120, 'the slice, by polling');
    // The stream was tried again meanwhile, and refused by the proxy.
    await eventually(() => streamsOf(id) >= 2, 'a retry of the stream');
    expect(subscription.transport).toBe('poll');

    proxy.blockEvents = false;
    await eventually(() => subscription.transport === 'sse', 'the stream back', 45_000);
    expect(w.transports).toEqual(['poll', 'sse']);
    // A poll sent just before the stream came back may still be on its way.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const readsWhenBack = readsOf(id);
    await moves.storeSlice(80);
    await w.delivered((s) => s.counts.stored === 200, 'the next slice, over the stream');
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(readsOf(id)).toBe(readsWhenBack);

    await moves.complete();
    await w.delivered((s) => s.status === 'completed', 'completion');
    const stored = w.sessions.map((s) => s.counts.stored);
    expect(stored).toEqual([...stored].sort((a, b) => a - b));
    expect(w.errors).toEqual([]);
  }, 90_000);

  it('polls from the start when the stream cannot be opened at all', async () => {
    const { client, id, moves } = await startedSync();
    proxy.blockEvents = true;
    const w = watch();
    const subscription = client.subscribeProgress(id, w.onUpdate, w.options);
    subscriptions.push(subscription);
    await eventually(() => subscription.transport === 'poll', 'polling');
    await moves.claim();
    await w.delivered((s) => s.status === 'running', 'the claim, by polling');
    await moves.complete();
    await w.delivered((s) => s.status === 'completed', 'completion, by polling');
    expect(w.sessions.map((s) => s.status)).toEqual(['queued', 'running', 'completed']);
    expect(w.transports).toEqual(['poll']);
    expect(w.errors).toEqual([]);
    // Stopped: nothing more is asked for this session.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const asked = proxy.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(proxy.requests.length).toBe(asked);
  });

  it('reports a session that is not the user’s (404) once, and stops', async () => {
    const owner = await startedSync();
    const other = await h.clientFor({ baseUrl: proxy.url });
    const w = watch();
    subscriptions.push(other.client.subscribeProgress(owner.id, w.onUpdate, w.options));
    await eventually(() => w.errors.length === 1, 'the error');
    expect(w.errors[0]).toMatchObject({ status: 404, code: 'sync_not_found' });
    expect(w.sessions).toEqual([]);
    expect(streamsOf(owner.id)).toBe(0);
  });

  it('reports a token the server refuses (401), and stops', async () => {
    const { id } = await startedSync();
    const stranger = await h.clientFor({ baseUrl: proxy.url });
    const forged = createApiClient({
      baseUrl: proxy.url,
      getAccessToken: async () => `${stranger.token}x`,
    });
    const w = watch();
    subscriptions.push(forged.subscribeProgress(id, w.onUpdate, w.options));
    await eventually(() => w.errors.length === 1, 'the error');
    expect(w.errors[0]).toMatchObject({ status: 401, hint: 'Sign in again.' });
    expect(w.sessions).toEqual([]);
  });
});
