import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { Database } from '../../src/store/database.ts';
import { launchChromium } from '../support/chromium.ts';
import { type CliProcess, freePort, runCli } from '../support/cli-process.ts';
import { createPostgresTestDatabase, type TestDatabase } from '../support/databases.ts';

export const ARTIFACTS_DIR = new URL('../../test-artifacts/', import.meta.url).pathname;
export const PHONE = { width: 375, height: 812 };
export const DESKTOP = { width: 1280, height: 800 };

/**
 * The whole system as a newcomer runs it: `stridesync start` in demo mode (simulators, API,
 * worker and dashboard in one process) on a fresh Postgres database, and a real Chromium.
 */
export interface DemoBrowser {
  url: string;
  browser: Browser;
  server: CliProcess;
  newPage(
    viewport?: { width: number; height: number },
    options?: { timezoneId?: string },
  ): Promise<Page>;
  /** The API as the demo runner (the dashboard's own local session). */
  api<T>(path: string): Promise<T>;
  /** The Strava simulator's admin API (`/_sim/...`, docs/simulators.md). */
  simAdmin(route: string, body?: unknown): Promise<unknown>;
  /** The server's database, for a test that seeds runs the page should then show. */
  db: Database;
  close(): Promise<void>;
}

/** `env`: settings on top of the demo's own (an operator's limits, say). */
export async function startDemoBrowser(env: Record<string, string> = {}): Promise<DemoBrowser> {
  const database: TestDatabase = await createPostgresTestDatabase();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'stridesync-browser-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = runCli(['start'], {
    PORT: String(port),
    PUBLIC_URL: base,
    DATABASE_URL: database.url,
    STRIDESYNC_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ...env,
  });
  const browser = await launchChromium();
  try {
    await server.waitForOutput(/Dashboard: (http:\/\/\S+)\//, 120_000);
  } catch (error) {
    await browser.close();
    server.child.kill('SIGKILL');
    await database.dispose();
    throw error;
  }
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return {
    url: base,
    browser,
    server,
    db: database.db,
    async newPage(viewport = DESKTOP, options = {}) {
      const context = await browser.newContext({ viewport, locale: 'en-US', ...options });
      return context.newPage();
    },
    async api(route) {
      const session = (await (await fetch(`${base}/api/local/session`)).json()) as {
        accessToken: string;
      };
      const response = await fetch(`${base}${route}`, {
        headers: { authorization: `Bearer ${session.accessToken}` },
      });
      if (!response.ok) throw new Error(`${route}: ${response.status} ${await response.text()}`);
      return response.json();
    },
    async simAdmin(route, body) {
      const response = await fetch(`${base}/sim/strava/_sim${route}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (!response.ok)
        throw new Error(`sim ${route}: ${response.status} ${await response.text()}`);
      return response.json();
    },
    async close() {
      await browser.close();
      server.child.kill('SIGTERM');
      await server.exited;
      await database.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A number as the page prints it ("1,234" → 1234). */
export async function countOf(page: Page, name: string): Promise<number> {
  const text = await page.locator(`[data-count="${name}"]`).textContent();
  return Number((text ?? '').replace(/\D/g, ''));
}

/** The sync's percentage as the progress bar holds it. */
export async function percentOf(page: Page): Promise<number> {
  const value = await page
    .getByRole('progressbar', { name: 'Sync progress' })
    .getAttribute('value');
  return Number(value ?? 0);
}

/** Waits until `read` returns something `until` accepts, and returns it; fails after timeoutMs. */
export async function waitFor<T>(
  read: () => Promise<T>,
  until: (value: T) => boolean,
  { timeoutMs = 60_000, what = 'a condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (until(value)) return value;
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(value)}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * How much of a canvas is painted in the chart's accent blue (the data, not the grey axes and
 * labels): a chart that drew its points or bars has many such pixels, an empty one none.
 */
export function accentPixels(page: Page, canvasId: string): Promise<number> {
  return page.evaluate((id) => {
    const canvas = document.getElementById(id) as HTMLCanvasElement | null;
    const context = canvas?.getContext('2d');
    if (!canvas || !context) return 0;
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    let count = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b, a] = [data[i] ?? 0, data[i + 1] ?? 0, data[i + 2] ?? 0, data[i + 3] ?? 0];
      if (a > 40 && b > 120 && b - r > 80 && b > g) count++;
    }
    return count;
  }, canvasId);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS_DIR, `${name}.png`), fullPage: true });
}
