import type { AppError } from '../../core/errors.ts';
import type { WeatherSlot } from '../grid-cell.ts';
import type { PassBounds } from '../provider-calls.ts';
import type { WeatherObservation, WeatherProviderName } from './weather-observation.ts';

/**
 * What became of one slot (cell × UTC hour) at a provider:
 * - `observed`: plausible weather, to cache and store;
 * - `rejected`: the provider answered with implausible values (recorded on the run, not stored);
 * - `failed`: this call went wrong (5xx after retries, timeout, malformed body, a 4xx for this
 *   slot); another provider may try, else the run is `unavailable` and retried with backoff;
 * - `not_yet`: the provider's archive does not hold this hour yet; the run waits until `retryAt`.
 */
export type SlotOutcome =
  | { kind: 'observed'; observation: WeatherObservation }
  | { kind: 'rejected'; reason: string }
  | { kind: 'failed'; reason: string }
  | { kind: 'not_yet'; retryAt: Date };

export interface WeatherBatch {
  /** By `weatherSlotKey`. Slots missing here were not tried (see `halted`). */
  outcomes: Map<string, SlotOutcome>;
  /**
   * Why the provider stopped before the end, for everything it did not try: a ConfigError
   * (bad key: the operator must act), a RateLimitedError (budget spent until `resumeAt`) or a
   * TransientError with code `upstream_circuit_open` (the provider keeps failing).
   */
  halted?: AppError;
  /** HTTP requests sent, retries included. */
  calls: number;
}

export interface WeatherProvider {
  readonly name: WeatherProviderName;
  /** The earliest instant the provider's archive holds the hour starting at `hourMs`. */
  availableAt(hourMs: number): number;
  /**
   * Weather for each slot; the slots are all available (`availableAt` ≤ now). Stops early, its
   * `halted` saying why, when `bounds` end the pass or a window longer than a pause is spent.
   */
  observe(slots: readonly WeatherSlot[], bounds?: PassBounds): Promise<WeatherBatch>;
}
