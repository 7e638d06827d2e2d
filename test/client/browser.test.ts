import { builtinModules } from 'node:module';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build, type Rolldown } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionView } from '../../src/api/contract.ts';
import type { ApiClient } from '../../src/client/api-client.ts';
import {
  type ClientHarness,
  eventually,
  startClientHarness,
  workerMoves,
} from './client-harness.ts';

/** Debian's Chromium (CI installs it); never a downloaded browser. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'];

/** What the test puts on the page's `window`. */
interface PageGlobals {
  stridesyncClient: typeof import('../../src/client/api-client.ts');
  client: ApiClient;
  sessions: SessionView[];
  transports: string[];
}

/**
 * Bundles the client for the browser as the dashboard's build would, refusing any import of a
 * Node module: the bundle must run on web APIs alone.
 */
async function browserBundle(): Promise<string> {
  const result = await build({
    configFile: false,
    logLevel: 'silent',
    build: {
      write: false,
      minify: false,
      lib: {
        entry: 'src/client/api-client.ts',
        formats: ['iife'],
        name: 'stridesyncClient',
        fileName: 'client',
      },
    },
    plugins: [
      {
        name: 'refuse-node-modules',
        enforce: 'pre',
        resolveId(id) {
          if (id.startsWith('node:') || builtinModules.includes(id))
            throw new Error(`the client imports the Node module ${id}`);
          return null;
        },
      },
    ],
  });
  const [output] = (Array.isArray(result) ? result : [result]) as Rolldown.RolldownOutput[];
  const chunk = output?.output[0];
  if (chunk?.type !== 'chunk') throw new Error('no bundle came out');
  return chunk.code;
}

describe('the client in a real browser', () => {
  let h: ClientHarness;
  let browser: Browser;
  let bundle: string;

  beforeAll(async () => {
    bundle = await browserBundle();
    h = await startClientHarness();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('bundles without Node’s modules or globals', () => {
    expect(bundle).toContain('createApiClient');
    expect(bundle).not.toMatch(/\bBuffer\b|\bprocess\.|\brequire\(/);
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
    expect(answers.me).toEqual({ id: userId, email: null });
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
});
