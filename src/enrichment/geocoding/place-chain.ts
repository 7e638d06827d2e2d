import type { ProviderHalt } from '../enrichment-pass.ts';
import { type Cell, cellKey } from '../grid-cell.ts';
import type { PassBounds } from '../provider-calls.ts';
import { endsChain, isDeferring } from '../weather/weather-chain.ts';
import type { PlaceOutcome, PlaceProvider } from './place-provider.ts';

/**
 * Asks the place providers in order for the cells the cache did not have, as the weather
 * chain does: a failed or untried cell falls to the next provider; answers (`found`, `none`)
 * of a cached (online) provider are stored right after each batch. A cell nobody answered ends as the last `failed`, as
 * `deferred` (untouched) when a ConfigError, a spent budget or the run stopping ended it, or as
 * `failed` with the halting error's message (an open circuit).
 */
export type PlaceChainOutcome = PlaceOutcome | { kind: 'deferred' };

export async function resolvePlaceCells(
  cells: readonly Cell[],
  providers: readonly PlaceProvider[],
  store: (entries: { cell: Cell; outcome: PlaceOutcome }[]) => Promise<void>,
  bounds: PassBounds = {},
): Promise<{ outcomes: Map<string, PlaceChainOutcome>; halts: ProviderHalt[]; calls: number }> {
  const outcomes = new Map<string, PlaceChainOutcome>();
  const halts: ProviderHalt[] = [];
  let calls = 0;
  let open = [...cells];
  for (const provider of providers) {
    if (open.length === 0) break;
    const batch = await provider.resolve(open, bounds);
    calls += batch.calls;
    if (provider.cached) {
      await store(
        open.flatMap((cell) => {
          const outcome = batch.outcomes.get(cellKey(cell));
          return outcome ? [{ cell, outcome }] : [];
        }),
      );
    }
    for (const [key, outcome] of batch.outcomes) outcomes.set(key, outcome);
    open = open.filter((cell) => {
      const outcome = batch.outcomes.get(cellKey(cell));
      return outcome === undefined || outcome.kind === 'failed';
    });
    if (batch.halted) {
      halts.push({ provider: provider.name, error: batch.halted });
      if (endsChain(batch.halted)) break;
    }
  }
  const last = halts.at(-1);
  for (const cell of open) {
    const key = cellKey(cell);
    if (outcomes.get(key)?.kind === 'failed') continue;
    outcomes.set(
      key,
      !last || halts.some((h) => isDeferring(h.error))
        ? { kind: 'deferred' }
        : { kind: 'failed', reason: last.error.userMessage },
    );
  }
  return { outcomes, halts, calls };
}
