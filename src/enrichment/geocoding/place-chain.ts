import { type AppError, ConfigError } from '../../core/errors.ts';
import { type Cell, cellKey } from '../grid-cell.ts';
import { isDeferring } from '../weather/weather-chain.ts';
import type { PlaceOutcome, PlaceProvider } from './place-provider.ts';

/**
 * Asks the place providers in order for the cells the cache did not have, as the weather
 * chain does: a failed or untried cell falls to the next provider; answers (`found`, `none`)
 * are stored right after each batch. A cell nobody answered ends as the last `failed`, as
 * `deferred` (untouched) when a ConfigError or a spent budget stopped the providers, or as
 * `failed` with the halting error's message (an open circuit).
 */
export type PlaceChainOutcome = PlaceOutcome | { kind: 'deferred' };

export async function resolvePlaceCells(
  cells: readonly Cell[],
  providers: readonly PlaceProvider[],
  store: (entries: { cell: Cell; outcome: PlaceOutcome }[]) => Promise<void>,
): Promise<{ outcomes: Map<string, PlaceChainOutcome>; halts: AppError[]; calls: number }> {
  const outcomes = new Map<string, PlaceChainOutcome>();
  const halts: AppError[] = [];
  let calls = 0;
  let open = [...cells];
  for (const provider of providers) {
    if (open.length === 0) break;
    const batch = await provider.resolve(open);
    calls += batch.calls;
    await store(
      open.flatMap((cell) => {
        const outcome = batch.outcomes.get(cellKey(cell));
        return outcome ? [{ cell, outcome }] : [];
      }),
    );
    for (const [key, outcome] of batch.outcomes) outcomes.set(key, outcome);
    open = open.filter((cell) => {
      const outcome = batch.outcomes.get(cellKey(cell));
      return outcome === undefined || outcome.kind === 'failed';
    });
    if (batch.halted) {
      halts.push(batch.halted);
      if (batch.halted instanceof ConfigError) break;
    }
  }
  const last = halts.at(-1);
  for (const cell of open) {
    const key = cellKey(cell);
    if (outcomes.get(key)?.kind === 'failed') continue;
    outcomes.set(
      key,
      !last || halts.some(isDeferring)
        ? { kind: 'deferred' }
        : { kind: 'failed', reason: last.userMessage },
    );
  }
  return { outcomes, halts, calls };
}
