import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** Every module's imports, by path relative to the repository: `src/sync/run-sync.ts` → […]. */
export interface ImportGraph {
  /** Imports of other files in the repository (resolved, relative to the root). */
  files: Map<string, string[]>;
  /** Imports of packages (`zod`, `pg`, `node:fs`), by module. */
  packages: Map<string, string[]>;
}

const SOURCE = /\.(ts|tsx|mts)$/;

/** Reads the imports of every TypeScript file under `dirs`, type-only and dynamic ones included. */
export function readImportGraph(root: string, dirs: readonly string[]): ImportGraph {
  const files = new Map<string, string[]>();
  const packages = new Map<string, string[]>();
  for (const file of dirs.flatMap((dir) => sourceFiles(root, dir))) {
    const { importedFiles } = ts.preProcessFile(readFileSync(path.join(root, file), 'utf8'));
    const specifiers = importedFiles.map((imported) => imported.fileName);
    files.set(
      file,
      specifiers
        .filter((s) => s.startsWith('.'))
        .map((s) => path.posix.normalize(path.posix.join(path.posix.dirname(file), s))),
    );
    packages.set(
      file,
      specifiers.filter((s) => !s.startsWith('.')),
    );
  }
  return { files, packages };
}

function sourceFiles(root: string, dir: string): string[] {
  return readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((name) => SOURCE.test(name))
    .map((name) => path.posix.join(dir, name.split(path.sep).join('/')))
    .sort();
}

/** The import cycles among `files` (strongly connected components of more than one module). */
export function importCycles(files: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  const visit = (file: string) => {
    index.set(file, next);
    low.set(file, next);
    next += 1;
    stack.push(file);
    onStack.add(file);
    for (const target of files.get(file) ?? []) {
      if (!files.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file)!, index.get(target)!));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || (files.get(file) ?? []).includes(file)) {
      cycles.push(component.sort());
    }
  };
  for (const file of files.keys()) if (!index.has(file)) visit(file);
  return cycles;
}

/** The part of `src/` a module belongs to: its first folder (`src/cli.ts` is the CLI's). */
export function partOf(file: string): string {
  const [, part = ''] = file.split('/');
  return part === 'cli.ts' ? 'cli' : part;
}

export interface LayerRules {
  /** The layers, lowest first: a module may import its own layer and those below it. */
  layers: readonly string[];
  /** Parts that stand apart (browser-safe): the only parts each may import. */
  apart: Readonly<Record<string, readonly string[]>>;
  /** Parts outside the layers, and the only parts that may import them. */
  importedOnlyBy: Readonly<Record<string, readonly string[]>>;
}

/** Imports within src/ that break the rules, as `from → to`. */
export function layerViolations(
  files: ReadonlyMap<string, readonly string[]>,
  rules: LayerRules,
): string[] {
  const rank = (part: string) => rules.layers.indexOf(part);
  const allowed = (from: string, to: string) => {
    const only = rules.apart[from];
    if (only) return only.includes(to);
    const importers = rules.importedOnlyBy[to];
    if (importers) return importers.includes(from);
    return rank(to) !== -1 && rank(from) !== -1 && rank(to) <= rank(from);
  };
  const violations: string[] = [];
  for (const [file, targets] of files) {
    for (const target of targets.filter((t) => t.startsWith('src/'))) {
      if (!allowed(partOf(file), partOf(target))) violations.push(`${file} → ${target}`);
    }
  }
  return violations;
}
