import type { Clock } from '../../core/clock.ts';
import { type AppError, ConfigError, RateLimitedError } from '../../core/errors.ts';
import type { ProviderHalt } from '../enrichment-pass.ts';
import { type WeatherSlot, weatherSlotKey } from '../grid-cell.ts';
import { PASS_STOPPED, type PassBounds } from '../provider-calls.ts';
import type { WeatherObservation } from './weather-observation.ts';
import type { SlotOutcome, WeatherProvider } from './weather-provider.ts';

/**
 * Asks the providers in order for the slots the cache did not have. Each provider gets the
 * slots its archive already holds and that nobody answered yet; what it fails or cannot reach
 * (its circuit opened, its budget ran out) falls to the next one. Observations are handed to
 * `store` right after each provider's batch, before anything else can fail.
 *
 * A slot nobody resolved ends as:
 * - `not_yet` when no provider's archive holds it yet (it waits, and is never asked for as
 *   current or forecast weather);
 * - the last provider's `failed`, when one tried and failed;
 * - `deferred` (left exactly as it was) when the providers stopped for a ConfigError, a spent
 *   budget or the run stopping: the caller reports why, and nothing about the run has changed;
 * - `failed` with the halting error's message otherwise (an open circuit).
 */
export type ChainOutcome = SlotOutcome | { kind: 'deferred' };

export interface ChainResult {
  outcomes: Map<string, ChainOutcome>;
  halts: ProviderHalt[];
  calls: number;
}

export async function resolveWeatherSlots(
  slots: readonly WeatherSlot[],
  providers: readonly WeatherProvider[],
  clock: Clock,
  store: (entries: { slot: WeatherSlot; observation: WeatherObservation }[]) => Promise<void>,
  bounds: PassBounds = {},
): Promise<ChainResult> {
  const outcomes = new Map<string, ChainOutcome>();
  const halts: ProviderHalt[] = [];
  let calls = 0;
  let open = [...slots];
  for (const provider of providers) {
    const now = clock.now();
    const ready = open.filter((slot) => provider.availableAt(slot.hourMs) <= now);
    if (ready.length === 0) continue;
    const batch = await provider.observe(ready, bounds);
    calls += batch.calls;
    await store(
      ready.flatMap((slot) => {
        const outcome = batch.outcomes.get(weatherSlotKey(slot));
        return outcome?.kind === 'observed' ? [{ slot, observation: outcome.observation }] : [];
      }),
    );
    for (const [key, outcome] of batch.outcomes) outcomes.set(key, outcome);
    // A failed slot stays open for the next provider; everything else is settled.
    open = open.filter((slot) => {
      const outcome = batch.outcomes.get(weatherSlotKey(slot));
      return outcome === undefined || outcome.kind === 'failed';
    });
    if (batch.halted) {
      halts.push({ provider: provider.name, error: batch.halted });
      if (endsChain(batch.halted)) break;
    }
  }
  for (const slot of open) {
    const key = weatherSlotKey(slot);
    if (outcomes.get(key)?.kind === 'failed') continue;
    outcomes.set(key, unresolved(slot, providers, halts, clock.now()));
  }
  return { outcomes, halts, calls };
}

function unresolved(
  slot: WeatherSlot,
  providers: readonly WeatherProvider[],
  halts: readonly ProviderHalt[],
  now: number,
): ChainOutcome {
  const earliest = Math.min(...providers.map((p) => p.availableAt(slot.hourMs)));
  if (earliest > now) return { kind: 'not_yet', retryAt: new Date(earliest) };
  const last = halts.at(-1);
  if (!last || halts.some((h) => isDeferring(h.error))) return { kind: 'deferred' };
  return { kind: 'failed', reason: last.error.userMessage };
}

/**
 * A ConfigError, a spent budget or the run stopping: the runs wait untouched; the caller reports
 * the error (or hands the session on) once.
 */
export function isDeferring(error: AppError): boolean {
  return (
    error instanceof ConfigError || error instanceof RateLimitedError || error.code === PASS_STOPPED
  );
}

/** The next provider cannot help: the operator must act, or the run is stopping. */
export function endsChain(error: AppError): boolean {
  return error instanceof ConfigError || error.code === PASS_STOPPED;
}
