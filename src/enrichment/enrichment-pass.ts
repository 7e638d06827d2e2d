import type { AppError } from '../core/errors.ts';
import type { PassBounds } from './provider-calls.ts';

/** One enrichment pass: its options and what it did, for the sync's progress and the benchmarks. */

export interface EnrichOptions extends PassBounds {
  /** Only this user's runs; all users' (the scheduled backfill) when absent. */
  userId?: string;
  /** Runs per pass (one slice), oldest first; default 500. */
  limit?: number;
}

export const DEFAULT_ENRICH_LIMIT = 500;

/**
 * Runs per enrichment batch of a sync (the estimate models the same batches). A batch stops
 * before its next call when the worker stops, and never sleeps through a provider's spent window
 * (it comes back as a deferral, and the session parks): its place lookups go at Nominatim's one
 * request a second, so 20 runs take about 20 s.
 */
export const ENRICH_BATCH = 20;

export interface EnrichmentCounts {
  /** Runs that got their weather (or place) in this pass. */
  enriched: number;
  /** Runs marked `unavailable` (provider error, implausible values), retried with backoff. */
  unavailable: number;
  /** Runs left waiting: archive not there yet, budget spent, or changed while being enriched. */
  stillPending: number;
  /** Runs with no coordinates, marked `not_applicable`. */
  notApplicable: number;
  /** HTTP requests sent to providers, retries included. */
  calls: number;
  /** Distinct slots (weather) or cells (places) answered from the cache. */
  cacheHits: number;
  /** Distinct slots or cells that were not in the cache. */
  cacheMisses: number;
}

/** Counts from the statuses the update statement actually wrote, out of `selected` runs. */
export function countStatuses(
  selected: number,
  written: readonly string[],
  base: Pick<EnrichmentCounts, 'calls' | 'cacheHits' | 'cacheMisses'>,
): EnrichmentCounts {
  const count = (status: string) => written.filter((s) => s === status).length;
  const enriched = count('enriched');
  const unavailable = count('unavailable');
  const notApplicable = count('not_applicable');
  return {
    ...base,
    enriched,
    unavailable,
    notApplicable,
    stillPending: selected - enriched - unavailable - notApplicable,
  };
}

/** A provider (by its ledger name: `nominatim`, `openweathermap`, `open-meteo`) that stopped. */
export interface ProviderHalt {
  provider: string;
  error: AppError;
}

/** What the weather or the place half of a pass did. */
export interface EnrichmentPhase {
  counts: EnrichmentCounts;
  /**
   * What stopped providers and left runs waiting untouched (a ConfigError, a spent window, the
   * run stopping); empty when every run got an answer or a retry time.
   */
  halts: ProviderHalt[];
}
