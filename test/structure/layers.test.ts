import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  importCycles,
  type LayerRules,
  layerViolations,
  partOf,
  readImportGraph,
} from '../support/import-graph.ts';

/**
 * The layout as docs/architecture.md draws it, kept by this test: lowest first, a module imports
 * only its own layer or one below. The wiring (one composition root per kind of process) is
 * imported by the entrypoints alone: the CLI, and the Netlify functions outside src/.
 */
const RULES: LayerRules = {
  layers: [
    'core',
    'api',
    'net',
    'observability',
    'store',
    'budget',
    'strava',
    'enrichment',
    'estimate',
    'progress',
    'sync',
    'queue',
    'http',
    'config',
    'wiring',
    'cli',
  ],
  apart: {
    core: ['core'],
    api: ['core', 'api'],
    client: ['core', 'api', 'client'],
  },
  // The client is the browser's; the CLI uses it too, to reach a local server's API.
  importedOnlyBy: { client: ['client', 'cli'] },
};

/** What the browser-safe parts may import from packages. */
const PACKAGES: Record<string, readonly string[]> = {
  core: ['zod'],
  api: ['zod'],
  client: ['zod', '@supabase/supabase-js'],
};

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const graph = readImportGraph(ROOT, ['src', 'web/src', 'netlify/functions']);
const src = new Map([...graph.files].filter(([file]) => file.startsWith('src/')));

describe('the layout of src/', () => {
  it('places every folder of src/ in a layer or apart', () => {
    const parts = readdirSync(new URL('../../src', import.meta.url), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    const placed = new Set([...RULES.layers, ...Object.keys(RULES.apart)]);
    expect(parts.filter((part) => !placed.has(part))).toEqual([]);
    expect(parts.length).toBeGreaterThan(10);
  });

  it('has no import cycle', () => {
    expect(src.size).toBeGreaterThan(100);
    expect(importCycles(src)).toEqual([]);
  });

  it('has no import against the layers', () => {
    expect(layerViolations(src, RULES)).toEqual([]);
  });

  it('reaches outside src/ (the simulators, package.json) only from the wiring and the CLI', () => {
    const wrong = [...src]
      .filter(([file]) => !['wiring', 'cli'].includes(partOf(file)))
      .flatMap(([file, targets]) =>
        targets.filter((t) => !t.startsWith('src/')).map((t) => `${file} → ${t}`),
      );
    expect(wrong).toEqual([]);
  });

  it('keeps core, the API contract and the client free of I/O packages', () => {
    const wrong = [...graph.packages]
      .filter(([file]) => file.startsWith('src/') && PACKAGES[partOf(file)])
      .flatMap(([file, packages]) =>
        packages
          .filter((name) => !PACKAGES[partOf(file)]!.includes(name))
          .map((name) => `${file} → ${name}`),
      );
    expect(wrong).toEqual([]);
  });

  it('lets the dashboard import only the client, the contract and core', () => {
    const wrong = [...graph.files]
      .filter(([file]) => file.startsWith('web/'))
      .flatMap(([file, targets]) =>
        targets
          .filter((t) => t.startsWith('src/') && !['client', 'api', 'core'].includes(partOf(t)))
          .map((t) => `${file} → ${t}`),
      );
    expect(wrong).toEqual([]);
  });

  it('keeps the Netlify functions thin: they import the wiring only', () => {
    const functions = [...graph.files].filter(([file]) => file.startsWith('netlify/'));
    expect(functions.length).toBeGreaterThan(3);
    const wrong = functions.flatMap(([file, targets]) =>
      targets.filter((t) => partOf(t) !== 'wiring').map((t) => `${file} → ${t}`),
    );
    expect(wrong).toEqual([]);
  });
});

describe('the checks themselves', () => {
  const files = (edges: Record<string, string[]>) => new Map(Object.entries(edges));

  it('find a cycle, and only the modules in it', () => {
    const cycles = importCycles(
      files({
        'src/sync/a.ts': ['src/sync/b.ts'],
        'src/sync/b.ts': ['src/sync/c.ts', 'src/core/d.ts'],
        'src/sync/c.ts': ['src/sync/a.ts'],
        'src/core/d.ts': [],
      }),
    );
    expect(cycles).toEqual([['src/sync/a.ts', 'src/sync/b.ts', 'src/sync/c.ts']]);
  });

  it('find imports upwards, into the wiring, out of core, and into the client', () => {
    const violations = layerViolations(
      files({
        'src/store/x.ts': ['src/sync/y.ts', 'src/core/z.ts'],
        'src/http/app.ts': ['src/wiring/node/open.ts', 'src/queue/q.ts'],
        'src/core/z.ts': ['src/api/v.ts'],
        'src/api/v.ts': ['src/core/z.ts'],
        'src/sync/y.ts': ['src/client/c.ts'],
        'src/cli.ts': ['src/wiring/node/open.ts', 'src/client/c.ts'],
      }),
      RULES,
    );
    expect(violations).toEqual([
      'src/store/x.ts → src/sync/y.ts',
      'src/http/app.ts → src/wiring/node/open.ts',
      'src/core/z.ts → src/api/v.ts',
      'src/sync/y.ts → src/client/c.ts',
    ]);
  });
});
