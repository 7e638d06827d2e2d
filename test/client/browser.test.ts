import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionView } from '../../src/api/contract.ts';
import type { ApiClient } from '../../src/client/api-client.ts';
import { launchChromium } from '../support/chromium.ts';
import { ALL_FEATURES_ON } from '../support/feature-flags.ts';
import { bundleForBrowser } from './browser-bundle.ts';
import {
  type ClientHarness,
  eventually,
  startClientHarness,
  workerMoves,
} from './client-harness.ts';
import { type RealtimeStandIn, startRealtimeStandIn } from './realtime-stand-in.ts';

/** Debian's Chromium (CI installs it); never a downloaded browser. */

/** What the test puts on the page's `window`. */
interface PageGlobals {
  stridesyncClient: typeof import('../../src/client/api-client.ts') &
    typeof import('../../src/client/realtime.ts') &
    Pick<typeof import('@supabase/supabase-js'), 'createClient'>;
  client: ApiClient;
  sessions: SessionView[];
  transports: string[];
}

describe('the client in a real browser', () => {
  let h: ClientHarness;
  let browser: Browser;
  /** The client, with supabase-js and the Realtime source, as a dashboard page would load them. */
  let bundle: string;

  beforeAll(async () => {
    bundle = await bundleForBrowser(
      ['src/client/api-client.ts', 'src/client/realtime.ts', '@supabase/supabase-js'],
      { globalName: 'stridesyncClient' },
    );
    h = await startClientHarness();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('bundles without Node’s modules or globals', async () => {
    const client = await bundleForBrowser(['src/client/api-client.ts'], {
      globalName: 'stridesyncClient',
      refuseNodeModules: true,
    });
    expect(client).toContain('createApiClient');
    expect(client).not.toMatch(/\bBuffer\b|\bprocess\.|\brequire\(/);
  });

  /** A page on the API's own origin with the bundled client loaded and signed in as `token`. */
  async function pageWithClient(token: string): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(`${h.server.url}/api/health`);
    await page.addScriptTag({ content: bundle });
    await page.evaluate((accessToken) => {
      const w = window as unknown as PageGlobals;
      // No baseUrl: the page's own origin.
      w.client = w.stridesyncClient.createApiClient({ getAccessToken: async () => accessToken });
      w.sessions = [];
      w.transports = [];
    }, token);
    return page;
  }

  it('calls the API on the page’s origin and shows errors as ApiError', async () => {
    const { token, userId } = await h.clientFor();
    const page = await pageWithClient(token);
    const answers = await page.evaluate(async () => {
      const w = window as unknown as PageGlobals;
      const me = await w.client.me();
      const error = await w.client.getSync('no-such-id').catch((e: unknown) => e);
      if (!(error instanceof w.stridesyncClient.ApiError)) return { me, error: String(error) };
      const { name, status, code, message, hint } = error;
      return { me, error: { name, status, code, message, hint } };
    });
    expect(answers.me).toEqual({ id: userId, email: null, features: ALL_FEATURES_ON });
    expect(answers.error).toMatchObject({
      name: 'ApiError',
      status: 404,
      code: 'sync_not_found',
      message: 'There is no such sync for your account.',
      hint: 'Check the link, or start a new sync from the dashboard.',
    });
  });

  it('follows a sync over Server-Sent Events read with fetch, through to completion', async () => {
    const { token, queuedSession } = await h.clientFor();
    const id = await queuedSession();
    const moves = workerMoves(h.t.db, id);
    const page = await pageWithClient(token);
    await page.evaluate((sessionId) => {
      const w = window as unknown as PageGlobals;
      w.client.subscribeProgress(sessionId, (session) => w.sessions.push(session), {
        onTransportChange: (transport) => w.transports.push(transport),
      });
    }, id);
    const seen = () => page.evaluate(() => (window as unknown as PageGlobals).sessions);
    await eventually(async () => (await seen()).length === 1, 'the queued session');
    await moves.claim();
    await eventually(async () => (await seen()).length === 2, 'the claim');
    await moves.enter('fetching');
    await moves.storeSlice(40);
    await eventually(async () => (await seen()).at(-1)?.counts.stored === 40, 'the slice');
    await moves.complete();
    await eventually(async () => (await seen()).at(-1)?.status === 'completed', 'completion');
    const transports = await page.evaluate(() => (window as unknown as PageGlobals).transports);
    expect(transports).toEqual([]);
    const statuses = (await seen()).map((s) => s.status);
    expect(statuses[0]).toBe('queued');
    expect(statuses.at(-1)).toBe('completed');
  });
  describe('over Supabase Realtime (supabase-js against a stand-in of the service)', () => {
    let realtime: RealtimeStandIn;
    beforeAll(async () => {
      realtime = await startRealtimeStandIn();
    });
    afterAll(() => realtime?.stop());

    /** Subscribes the page to `sessionId` `count` times, over supabase-js's Realtime. */
    async function subscribeOverRealtime(page: Page, sessionId: string, count: number) {
      await page.evaluate(
        ({ supabaseUrl, id, times }) => {
          const w = window as unknown as PageGlobals & {
            updates: SessionView[][];
            subscriptions: { close(): void; transport: string }[];
          };
          const supabase = w.stridesyncClient.createClient(supabaseUrl, 'anon-key', {
            auth: { persistSession: false, autoRefreshToken: false },
          });
          const source = w.stridesyncClient.supabaseRealtimeSource(supabase);
          w.updates = [];
          w.subscriptions = [];
          for (let i = 0; i < times; i++) {
            const seen: SessionView[] = [];
            w.updates.push(seen);
            w.subscriptions.push(
              w.client.subscribeProgress(id, (session) => seen.push(session), {
                realtime: source,
                onTransportChange: (transport) => w.transports.push(`${i}:${transport}`),
              }),
            );
          }
        },
        { supabaseUrl: realtime.url, id: sessionId, times: count },
      );
      const updates = () =>
        page.evaluate(() => (window as unknown as { updates: SessionView[][] }).updates);
      const transports = () =>
        page.evaluate(() =>
          (window as unknown as { subscriptions: { transport: string }[] }).subscriptions.map(
            (s) => s.transport,
          ),
        );
      return { updates, transports };
    }

    it('joins the private topic once, re-reads on broadcasts, and rides out an error and a close', async () => {
      const { token, userId, queuedSession } = await h.clientFor();
      const id = await queuedSession();
      const moves = workerMoves(h.t.db, id);
      const topic = `sync:${userId}`;
      const page = await pageWithClient(token);
      const { updates, transports } = await subscribeOverRealtime(page, id, 2);
      await eventually(() => realtime.joined().some((j) => j.topic === topic), 'the join');
      // Two subscriptions, one channel; private, so the service checks the RLS policy.
      expect(realtime.joined()).toEqual([
        {
          topic,
          payload: expect.objectContaining({ config: expect.objectContaining({ private: true }) }),
        },
      ]);
      expect(realtime.joinCount(topic)).toBe(1);
      await eventually(async () => (await updates()).every((u) => u.length === 1), 'the state');

      await moves.claim();
      realtime.broadcast(topic, 'progress', { sessionId: id, status: 'running' });
      await eventually(
        async () => (await updates()).every((u) => u.at(-1)?.status === 'running'),
        'the claim, from the broadcast',
      );
      expect(await transports()).toEqual(['realtime', 'realtime']);

      // The channel errors: polling, until supabase-js has rejoined it.
      realtime.fail(topic);
      await eventually(() => realtime.joinCount(topic) === 2, 'the rejoin');
      await eventually(
        async () => (await transports()).every((t) => t === 'realtime'),
        'Realtime again',
      );
      const afterError = await page.evaluate(() => (window as unknown as PageGlobals).transports);
      expect(afterError).toEqual(
        expect.arrayContaining(['0:poll', '0:realtime', '1:poll', '1:realtime']),
      );

      // The service closes the channel: polling, then a new channel after the backoff.
      realtime.close(topic);
      await moves.enter('fetching');
      await moves.storeSlice(25);
      await eventually(
        async () => (await updates()).every((u) => u.at(-1)?.counts.stored === 25),
        'the slice, by polling',
      );
      await eventually(() => realtime.joinCount(topic) === 3, 'a new channel', 20_000);
      await eventually(
        async () => (await transports()).every((t) => t === 'realtime'),
        'Realtime again',
      );

      // One subscription closes; the other keeps the channel.
      await page.evaluate(() =>
        (window as unknown as { subscriptions: { close(): void }[] }).subscriptions[0]?.close(),
      );
      await moves.complete();
      realtime.broadcast(topic, 'progress', { sessionId: id, status: 'completed' });
      await eventually(
        async () => (await updates())[1]?.at(-1)?.status === 'completed',
        'completion, from the broadcast',
      );
      expect((await updates())[0]?.at(-1)?.status).toBe('running');
      // Completion ends the last subscription, which leaves the channel.
      await eventually(() => realtime.joined().length === 0, 'the leave');
    }, 60_000);
  });
});
