import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { zipFunctions } from '@netlify/zip-it-and-ship-it';
import { afterAll, describe, expect, it } from 'vitest';
import { TICK_MS } from '../../src/queue/scheduled-tick.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

/** Netlify's own bundler packs every function, as a deploy would. */
describe('Netlify functions bundle', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'stridesync-zip-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('bundles each function with esbuild as a v2 function with its routes', {
    timeout: 120_000,
  }, async () => {
    const results = await zipFunctions([path.join(ROOT, 'netlify/functions')], out, {
      basePath: ROOT,
      repositoryRoot: ROOT,
      config: { '*': { nodeBundler: 'esbuild' } },
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
    }
    const paths = (name: string) => (byName[name]?.routes ?? []).map((route) => route.pattern);
    expect(paths('health')).toEqual(['/api/health', '/api/metrics']);
    expect(paths('strava-webhook')).toEqual(['/api/strava/webhook']);
    expect(paths('strava-auth')).toContain('/api/strava/connection');
    expect(paths('sync-orchestrator')).toEqual(
      expect.arrayContaining(['/api/syncs/*', '/api/activities/stats', '/api/estimate']),
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
