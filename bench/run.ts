import os from 'node:os';
import { benchBackfill, printBackfill } from './backfill.ts';
import { type BenchSize, currentCommit, machine, writeBenchRecord } from './bench-results.ts';
import { benchEnrichment } from './enrichment.ts';
import { benchEstimate, printEstimate } from './estimate.ts';
import { benchIncrementalNoop, printIncrementalNoop } from './incremental-noop.ts';
import { benchManyRunners, printManyRunners } from './many-runners.ts';
import { benchMemory, printMemory } from './memory.ts';
import { benchOfflinePlaces, printOfflinePlaces } from './offline-places.ts';
import { benchPickup, printPickup } from './pickup.ts';
import { benchReads, printReads } from './reads.ts';
import { printReport } from './report.ts';
import { benchSseLatency, printSseLatency } from './sse-latency.ts';
import { benchStorage, printStorage } from './storage.ts';
import { benchSyncFloor, FULL_SIZES, printSyncFloor, QUICK_SIZES } from './sync-floor.ts';

/**
 * `npm run bench`: every part at its quick size, in the order below (what CI runs: it must
 * finish, its figures are not asserted). `npm run bench -- <name>` runs one part, `--full` at
 * the sizes of docs/benchmarks.md. Each part prints its tables and writes its figures to
 * `bench/results/<date>-<name>.json` (bench-results.ts). Registering a part is one line in
 * PARTS: its name, a function measuring at the size given and returning its figures (plain
 * JSON), and one printing them.
 */
type BenchPart = (size: BenchSize) => Promise<unknown>;

function part<T>(run: (size: BenchSize) => Promise<T>, print: (figures: T) => void): BenchPart {
  return async (size) => {
    const figures = await run(size);
    print(figures);
    return figures;
  };
}

const PARTS: Record<string, BenchPart> = {
  enrichment: part(benchEnrichment, printReport),
  'sse-latency': part(
    (size) => benchSseLatency(size, process.env.BENCH_POSTGRES_URL),
    printSseLatency,
  ),
  estimate: part(benchEstimate, printEstimate),
  'places-offline': part(benchOfflinePlaces, printOfflinePlaces),
  storage: part(benchStorage, printStorage),
  'incremental-noop': part(benchIncrementalNoop, printIncrementalNoop),
  reads: part(benchReads, printReads),
  memory: part(benchMemory, printMemory),
  'sync-floor': part(
    (size) => benchSyncFloor(size.full ? FULL_SIZES : QUICK_SIZES),
    printSyncFloor,
  ),
  'many-runners': part(benchManyRunners, printManyRunners),
  backfill: part(benchBackfill, printBackfill),
  pickup: part(benchPickup, printPickup),
};

async function runPart(name: string, bench: BenchPart, size: BenchSize): Promise<void> {
  const startedAt = new Date();
  const loadBefore = os.loadavg()[0] ?? 0;
  const started = performance.now();
  const figures = await bench(size);
  const durationMs = performance.now() - started;
  const file = writeBenchRecord({
    part: name,
    size: size.full ? 'full' : 'quick',
    startedAt: startedAt.toISOString(),
    durationMs,
    commit: currentCommit(),
    node: process.version,
    machine: machine(),
    loadAverage: { before: loadBefore, after: os.loadavg()[0] ?? 0 },
    figures,
  });
  console.log(`\n${name}: ${(durationMs / 1000).toFixed(1)} s, figures in ${file}\n`);
}

const args = process.argv.slice(2);
const size: BenchSize = { full: args.includes('--full') };
const names = args.filter((arg) => !arg.startsWith('--'));
const unknown = names.filter((name) => !(name in PARTS));
if (unknown.length > 0) {
  console.error(
    `No bench part '${unknown.join("', '")}'; the parts are ${Object.keys(PARTS).join(', ')}.`,
  );
  process.exit(2);
}
for (const name of names.length > 0 ? names : Object.keys(PARTS))
  await runPart(name, PARTS[name] as BenchPart, size);
