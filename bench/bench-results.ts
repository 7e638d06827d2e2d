import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Every part's figures as JSON, `bench/results/<date>-<name>.json` (`<date>-<name>.quick.json`
 * at the quick size, which git ignores), with what they were measured on. A second run of a part
 * the same day at the same size overwrites its file. The full-size files behind the tables of
 * docs/benchmarks.md are committed.
 */
export const RESULTS_DIR = path.join(import.meta.dirname, 'results');

/** The sizes with `--full`; a quick size (CI's) without. */
export interface BenchSize {
  full: boolean;
}

export interface BenchRecord {
  part: string;
  size: 'quick' | 'full';
  startedAt: string;
  durationMs: number;
  commit: string | null;
  node: string;
  machine: { platform: string; arch: string; cores: number; cpu: string };
  /** The 1-minute load average before and after: how busy the shared machine was. */
  loadAverage: { before: number; after: number };
  figures: unknown;
}

export function writeBenchRecord(record: BenchRecord): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const quick = record.size === 'quick' ? '.quick' : '';
  const file = path.join(
    RESULTS_DIR,
    `${record.startedAt.slice(0, 10)}-${record.part}${quick}.json`,
  );
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  return file;
}

export function machine(): BenchRecord['machine'] {
  const cpus = os.cpus();
  return {
    platform: os.platform(),
    arch: os.arch(),
    cores: cpus.length,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
  };
}

export function currentCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: 'pipe' }).trim();
  } catch {
    return null;
  }
}
