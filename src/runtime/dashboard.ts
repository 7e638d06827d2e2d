import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import type { Logger } from '../observability/logger.ts';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const WEB_ROOT = path.join(REPO_ROOT, 'web');
export const DASHBOARD_DIST = path.join(WEB_ROOT, 'dist');

/** What the dashboard's bundle is built from: web/ itself and the shared code it imports. */
const SOURCE_PATHS = [
  WEB_ROOT,
  ...['src/client', 'src/api', 'src/core'].map((p) => path.join(REPO_ROOT, p)),
];

/** Paths the dashboard must never answer: the API and the demo's simulators own them. */
const RESERVED_PREFIXES = ['/api/', '/sim/'];

/**
 * The dashboard as the local server serves it: web/dist, built first when it is missing or
 * older than its sources (so `npm install && npm start` just works), with every other GET path
 * answered by index.html for the app's own routes. Without Vite (an install without dev
 * dependencies) and without a build, the API runs alone and the log says how to add the
 * dashboard. Returns undefined in that case.
 */
export async function prepareDashboard(logger: Logger): Promise<Hono | undefined> {
  if (isStale()) await buildIfPossible(logger);
  if (!existsSync(path.join(DASHBOARD_DIST, 'index.html'))) return undefined;
  return dashboardApp(DASHBOARD_DIST);
}

export function dashboardApp(distDir: string): Hono {
  const app = new Hono();
  const isReserved = (p: string) =>
    RESERVED_PREFIXES.some((prefix) => p.startsWith(prefix) || `${p}/` === prefix);
  app.get('*', async (c, next) => {
    if (isReserved(c.req.path)) return next();
    return serveStatic({
      root: distDir,
      onFound: (file, ctx) => {
        // Vite names assets by content hash: they never change. index.html must be re-read.
        ctx.header(
          'cache-control',
          file.includes(`${path.sep}assets${path.sep}`)
            ? 'public, max-age=31536000, immutable'
            : 'no-cache',
        );
      },
    })(c, next);
  });
  // Client-side routes: anything else that is not a file gets the app, which reads the URL.
  app.get('*', async (c, next) => {
    if (isReserved(c.req.path) || path.extname(c.req.path)) return next();
    return serveStatic({ root: distDir, path: 'index.html' })(c, async () => {
      c.header('cache-control', 'no-cache');
      await next();
    });
  });
  return app;
}

function isStale(): boolean {
  const built = statOrNull(path.join(DASHBOARD_DIST, 'index.html'));
  if (!built) return true;
  return SOURCE_PATHS.some((p) => newestChangeMs(p) > built.mtimeMs);
}

function newestChangeMs(target: string): number {
  const stats = statOrNull(target);
  if (!stats) return 0;
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = stats.mtimeMs;
  for (const entry of readdirSync(target)) {
    if (entry.startsWith('.') || entry === 'dist' || entry === 'node_modules') continue;
    newest = Math.max(newest, newestChangeMs(path.join(target, entry)));
  }
  return newest;
}

function statOrNull(target: string) {
  try {
    return statSync(target);
  } catch {
    return null;
  }
}

/**
 * Builds into a private folder and swaps it in, so two servers starting at once (or one serving
 * while another builds) never see a half-written web/dist.
 */
async function buildIfPossible(logger: Logger): Promise<void> {
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch {
    logger.warn(
      existsSync(DASHBOARD_DIST)
        ? 'the dashboard in web/dist is older than its sources and Vite is not installed to rebuild it; run `npm install` then `npm run build:web`'
        : 'the dashboard is not built and Vite is not installed, so only the API is served; run `npm install` then `npm run build:web`',
    );
    return;
  }
  const outDir = path.join(WEB_ROOT, `.dist-${process.pid}`);
  logger.info('building the dashboard (web/ → web/dist): first start or changed sources');
  try {
    await vite.build({
      configFile: path.join(WEB_ROOT, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
    });
    rmSync(DASHBOARD_DIST, { recursive: true, force: true });
    renameSync(outDir, DASHBOARD_DIST);
  } catch (error) {
    // Another server swapped its build in between: theirs is as good as ours.
    if ((error as NodeJS.ErrnoException).code === 'ENOTEMPTY') return;
    // A broken build must not take the API down with it: the log says what failed.
    logger.error(
      { err: error },
      'the dashboard could not be built; fix the error and run `npm run build:web` (serving the previous build, if any)',
    );
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
