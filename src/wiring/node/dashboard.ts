import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import type { Logger } from '../../observability/logger.ts';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Where the dashboard is built from, and how Vite is reached (absent in a production install). */
export interface DashboardSources {
  /** The Vite root (index.html, vite.config.ts); the build goes to its `dist`. */
  webRoot: string;
  /** Everything the bundle is built from: a file newer than the build means a rebuild. */
  sourcePaths: string[];
  loadVite: () => Promise<Pick<typeof import('vite'), 'build'>>;
}

/** web/ itself and the shared code it imports. */
const REPO_SOURCES: DashboardSources = {
  webRoot: path.join(REPO_ROOT, 'web'),
  sourcePaths: ['web', 'src/client', 'src/api', 'src/core'].map((p) => path.join(REPO_ROOT, p)),
  loadVite: () => import('vite'),
};

/** Paths the dashboard must never answer: the API and the demo's simulators own them. */
const RESERVED_PREFIXES = ['/api/', '/sim/'];

/**
 * The dashboard as the local server serves it: web/dist, built first when it is missing or
 * older than its sources (so `npm install && npm start` just works), with every other GET path
 * answered by index.html for the app's own routes. Without Vite (an install without dev
 * dependencies) and without a build, the API runs alone and the log says how to add the
 * dashboard. Returns undefined in that case.
 */
export async function prepareDashboard(
  logger: Logger,
  sources: DashboardSources = REPO_SOURCES,
): Promise<Hono | undefined> {
  const distDir = path.join(sources.webRoot, 'dist');
  if (isStale(distDir, sources.sourcePaths)) await buildIfPossible(logger, sources, distDir);
  if (!existsSync(path.join(distDir, 'index.html'))) return undefined;
  return dashboardApp(distDir);
}

export function dashboardApp(distDir: string): Hono {
  const app = new Hono();
  const isReserved = (p: string) =>
    RESERVED_PREFIXES.some((prefix) => p.startsWith(prefix) || `${p}/` === prefix);
  app.get('*', async (c, next) => {
    if (isReserved(c.req.path)) return next();
    // Not found, serveStatic hands on to the next handler and returns what that returns.
    const found = await serveStatic({ root: distDir })(c, next);
    // Vite names assets by content hash: they never change. index.html must be re-read.
    if (found instanceof Response)
      found.headers.set(
        'cache-control',
        c.req.path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    return found;
  });
  // Client-side routes: anything else that is not a file gets the app, which reads the URL.
  app.get('*', async (c, next) => {
    if (isReserved(c.req.path) || path.extname(c.req.path)) return next();
    const found = await serveStatic({ root: distDir, path: 'index.html' })(c, next);
    if (found instanceof Response) found.headers.set('cache-control', 'no-cache');
    return found;
  });
  return app;
}

function isStale(distDir: string, sourcePaths: string[]): boolean {
  const built = statOrNull(path.join(distDir, 'index.html'));
  if (!built) return true;
  return sourcePaths.some((p) => newestChangeMs(p) > built.mtimeMs);
}

/**
 * The newest file's time. A folder's own time is left out: it changes whenever an entry comes or
 * goes, the swap of a fresh build into web/ included, and a source that matters changes a file.
 */
function newestChangeMs(target: string): number {
  const stats = statOrNull(target);
  if (!stats) return 0;
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = 0;
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
 * while another builds) never see a half-written dist.
 */
async function buildIfPossible(
  logger: Logger,
  sources: DashboardSources,
  distDir: string,
): Promise<void> {
  let vite: Awaited<ReturnType<DashboardSources['loadVite']>>;
  try {
    vite = await sources.loadVite();
  } catch {
    logger.warn(
      existsSync(distDir)
        ? 'the dashboard in web/dist is older than its sources and Vite is not installed to rebuild it; run `npm install` then `npm run build:web`'
        : 'the dashboard is not built and Vite is not installed, so only the API is served; run `npm install` then `npm run build:web`',
    );
    return;
  }
  const outDir = path.join(sources.webRoot, `.dist-${process.pid}`);
  logger.info('building the dashboard (web/ → web/dist): first start or changed sources');
  try {
    await vite.build({
      root: sources.webRoot,
      configFile: path.join(sources.webRoot, 'vite.config.ts'),
      logLevel: 'silent',
      build: { outDir, emptyOutDir: true },
    });
    rmSync(distDir, { recursive: true, force: true });
    renameSync(outDir, distDir);
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
