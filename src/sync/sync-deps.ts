import type { Clock } from '../core/clock.ts';
import type { SyncSessionRow } from '../core/sync-session.ts';
import type { Logger } from '../observability/logger.ts';
import type { Database, Queryable } from '../store/database.ts';
import type { FeatureFlags } from '../store/feature-flags.ts';
import type { ConnectionStore } from '../strava/connection-store.ts';
import type { StravaClient } from '../strava/strava-client.ts';
import type { TokenManager } from '../strava/token-manager.ts';

/**
 * What the runner (`run-sync.ts`) is given and asked to do, in a module of its own so the steps
 * it calls (apply an event, reconcile, enrich) and the processes that call it share the types
 * without importing the runner.
 */

export interface SyncDeps {
  db: Database;
  clock: Clock;
  logger: Logger;
  strava: { client: StravaClient; tokens: TokenManager; connections: ConnectionStore };
  /** On an athlete's deauthorization: delete their synced runs (true) or keep them (false). */
  purgeOnDeauthorize: boolean;
  /** Strava sport types kept as runs (STRAVA_SPORT_TYPES). */
  sportTypes: readonly string[];
  /**
   * The feature flags: the scheduled syncs and reconcile ask them per user. Absent, every flag
   * is on.
   */
  flags?: FeatureFlags;
  /** Enriches pending runs of a user; absent: runs stay `pending` for the weather backfill. */
  enrich?: (userId: string, limit: number, bounds: EnrichBounds) => Promise<EnrichBatch>;
}

/** What bounds one enrichment batch: it ends early when the run stops, and waits past nothing. */
export interface EnrichBounds {
  signal?: AbortSignal;
  deadlineMs: number;
}

/** One enrichment batch, as the session counts it. */
export interface EnrichBatch {
  enriched: number;
  unavailable: number;
  stillPending: number;
  /**
   * A provider's window (longer than a short pause) left runs unserved: which provider
   * (`nominatim`, `openweathermap`, `open-meteo`), when it reopens, and its own words on it.
   */
  deferral?: { provider: string; until: Date; code: string; message: string };
}

export interface RunOptions {
  sessionId: string;
  /** Who holds the lease: a worker id, unique per process. */
  owner: string;
  /** When to checkpoint and yield (epoch ms), e.g. 14 minutes into a 15-minute function. */
  deadlineMs: number;
  /**
   * Aborted when the worker is stopping (SIGTERM, the end of a function's time): the run yields
   * at the next slice boundary, as at its deadline, so the session is handed on at once instead
   * of waiting out its lease. A slice under way is finished and saved first.
   */
  signal?: AbortSignal;
  /** How long the lease outlives this run if its process dies (SYNC_LEASE_TTL_S). */
  leaseTtlMs: number;
  perPage?: number;
  enrichBatch?: number;
}

/** One transaction that renews the lease (or fails if it was lost) and makes `write`. */
export type Step = (
  session: SyncSessionRow,
  write: (tx: Queryable) => Promise<void>,
) => Promise<{ cancelRequested: boolean }>;
