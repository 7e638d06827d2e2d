import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';
import { type DashboardSources, prepareDashboard } from '../../src/wiring/node/dashboard.ts';

/**
 * How the local server gets its dashboard: built by the real Vite when missing or stale, served
 * with the app's routes falling back to index.html, and the API left alone when there is no
 * Vite to build with (a production install), which is the one thing faked here.
 */
describe('the dashboard the local server serves', () => {
  let webRoot: string;
  let lines: { level: number; msg: string }[];
  let logger: ReturnType<typeof createLogger>;

  beforeEach(() => {
    webRoot = mkdtempSync(path.join(tmpdir(), 'stridesync-web-'));
    lines = [];
    logger = createLogger(
      'info',
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(JSON.parse(String(chunk)));
          done();
        },
      }),
    );
    writeFileSync(path.join(webRoot, 'vite.config.ts'), 'export default {};\n');
    writeFileSync(
      path.join(webRoot, 'index.html'),
      '<!doctype html><html><body><div id="app"></div><script type="module" src="/main.ts"></script></body></html>\n',
    );
    writeFileSync(path.join(webRoot, 'main.ts'), "document.body.dataset.ready = 'yes';\n");
  });
  afterEach(() => rmSync(webRoot, { recursive: true, force: true }));

  const sources = (overrides: Partial<DashboardSources> = {}): DashboardSources => ({
    webRoot,
    sourcePaths: [webRoot],
    loadVite: () => import('vite'),
    ...overrides,
  });
  const noVite = () => Promise.reject(new Error("Cannot find package 'vite'"));

  it('builds a missing dashboard with Vite, serves it, and does not rebuild a fresh one', {
    timeout: 60_000,
  }, async () => {
    const app = await prepareDashboard(logger, sources());
    expect(app).toBeDefined();
    expect(lines.map((l) => l.msg)).toContain(
      'building the dashboard (web/ → web/dist): first start or changed sources',
    );

    const page = await app!.request('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const html = await page.text();
    const script = html.match(/src="(\/assets\/[^"]+\.js)"/)?.[1];
    expect(script).toBeDefined();
    const asset = await app!.request(script!);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await asset.text()).toContain('ready');

    lines.length = 0;
    await prepareDashboard(logger, sources());
    expect(lines).toEqual([]);
  });

  it('answers the app’s own routes with index.html, never /api or /sim, and no missing file', {
    timeout: 60_000,
  }, async () => {
    const app = (await prepareDashboard(logger, sources()))!;
    const route = await app.request('/runs/2026');
    expect(route.status).toBe(200);
    expect(await route.text()).toContain('<div id="app">');
    for (const reserved of ['/api/anything', '/api', '/sim/strava/oauth/authorize']) {
      expect((await app.request(reserved)).status).toBe(404);
    }
    expect((await app.request('/assets/missing.js')).status).toBe(404);
    writeFileSync(path.join(webRoot, 'secret.txt'), 'not for the web');
    for (const outside of [
      '/..%2fsecret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
    ]) {
      expect(await (await app.request(outside)).text()).not.toContain('not for the web');
    }
  });

  it('rebuilds when a source is newer than the build', { timeout: 60_000 }, async () => {
    await prepareDashboard(logger, sources());
    const built = statSync(path.join(webRoot, 'dist', 'index.html')).mtimeMs;
    const later = new Date(built + 60_000);
    writeFileSync(path.join(webRoot, 'main.ts'), "document.body.dataset.ready = 'again';\n");
    utimesSync(path.join(webRoot, 'main.ts'), later, later);
    lines.length = 0;
    const app = (await prepareDashboard(logger, sources()))!;
    expect(lines.map((l) => l.msg)).toContain(
      'building the dashboard (web/ → web/dist): first start or changed sources',
    );
    const script = (await (await app.request('/')).text()).match(/src="(\/assets\/[^"]+)"/)?.[1];
    expect(await (await app.request(script!)).text()).toContain('again');
  });

  it('without Vite and without a build, serves only the API and says how to add the dashboard', async () => {
    expect(await prepareDashboard(logger, sources({ loadVite: noVite }))).toBeUndefined();
    expect(lines).toEqual([
      expect.objectContaining({
        level: 40,
        msg: expect.stringContaining(
          'only the API is served; run `npm install` then `npm run build:web`',
        ),
      }),
    ]);
  });

  it('without Vite, serves an older build and warns that it is stale', async () => {
    mkdirSync(path.join(webRoot, 'dist'));
    writeFileSync(path.join(webRoot, 'dist', 'index.html'), '<p>old build</p>');
    const past = new Date(Date.now() - 3_600_000);
    utimesSync(path.join(webRoot, 'dist', 'index.html'), past, past);

    const app = await prepareDashboard(logger, sources({ loadVite: noVite }));
    expect(await (await app!.request('/')).text()).toBe('<p>old build</p>');
    expect(lines[0]).toMatchObject({
      level: 40,
      msg: expect.stringContaining('older than its sources'),
    });
  });

  it('a build that fails is logged with its error and leaves the API serving', {
    timeout: 60_000,
  }, async () => {
    writeFileSync(path.join(webRoot, 'main.ts'), 'export const = ;\n');
    expect(await prepareDashboard(logger, sources())).toBeUndefined();
    const failure = lines.find((l) => l.level === 50) as { msg: string; err?: { message: string } };
    expect(failure.msg).toContain('the dashboard could not be built');
    expect(failure.err?.message).toMatch(/main\.ts/);
    expect(existsSync(path.join(webRoot, `.dist-${process.pid}`))).toBe(false);
  });
});
