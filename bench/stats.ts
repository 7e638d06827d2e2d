import type { BenchWorld } from './bench-world.ts';

/** Nearest-rank percentile (`p` in 0..1) of the values. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
}

/** Every request the Strava simulator's API received so far, whatever its answer. */
export function stravaApiCalls(world: BenchWorld): number {
  return Object.entries(world.sims.strava.inspect().byEndpoint)
    .filter(([endpoint]) => endpoint.includes('/api/v3/'))
    .reduce((sum, [, byStatus]) => sum + Object.values(byStatus).reduce((a, n) => a + n, 0), 0);
}

export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}
