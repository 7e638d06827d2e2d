import { type EnrichmentDeps, enrichPending } from '../enrichment/enrich-pending.ts';
import { usersWithWaitingRuns } from '../store/activity-store.ts';
import type { Database } from '../store/database.ts';
import { type JobQueue, QUEUES } from './job-queue.ts';

/** One job enriches at most this many passes of `limit` runs; the next tick goes on. */
export const WEATHER_BACKFILL_PASSES = 10;

export type WeatherBackfillOutcome =
  | { outcome: 'done'; passes: number; enriched: number; unavailable: number }
  /** The worker is stopping: the pass under way ended before its next call; the next tick goes on. */
  | { outcome: 'stopped'; passes: number; enriched: number; unavailable: number }
  | { outcome: 'deferred'; until: Date; provider: string; passes: number };

/**
 * A `weather-backfill` job: weather and places for every user's runs still waiting (never
 * looked up, or unavailable and due for a retry), pass after pass until a pass serves nothing
 * (what is left is too recent for the archive, or not due yet). A provider's spent window (a
 * minute, a Retry-After, a day) ends the job at once, never slept through: the next job is
 * queued for when it reopens; what was stored stays stored. A ConfigError (a provider refused
 * the operator's settings) fails the job: retrying cannot help until someone acts.
 *
 * A pass visits each user with waiting runs in turn (`limit` runs each), so that each user's
 * feature flags decide which lookups are made for them (see `enrichPending`).
 */
export async function runWeatherBackfill(
  db: Database,
  queue: JobQueue,
  enrichment: EnrichmentDeps,
  options: { limit?: number; signal?: AbortSignal } = {},
): Promise<WeatherBackfillOutcome> {
  let enriched = 0;
  let unavailable = 0;
  for (let passes = 0; passes < WEATHER_BACKFILL_PASSES; passes++) {
    let served = 0;
    for (const userId of await usersWithWaitingRuns(db)) {
      const { weather, places, deferral } = await enrichPending(db, enrichment, {
        userId,
        limit: options.limit,
        signal: options.signal,
      });
      enriched += weather.enriched;
      unavailable += weather.unavailable;
      if (deferral) {
        // The queue keeps one waiting backfill: if a scheduled one is queued already, it goes on.
        await queue.boss.send(QUEUES.weatherBackfill, {}, { startAfter: deferral.until });
        return {
          outcome: 'deferred',
          until: deferral.until,
          provider: deferral.provider,
          passes: passes + 1,
        };
      }
      if (options.signal?.aborted)
        return { outcome: 'stopped', passes: passes + 1, enriched, unavailable };
      served += [weather, places].reduce(
        (sum, c) => sum + c.enriched + c.unavailable + c.notApplicable,
        0,
      );
    }
    if (served === 0) return { outcome: 'done', passes: passes + 1, enriched, unavailable };
  }
  return { outcome: 'done', passes: WEATHER_BACKFILL_PASSES, enriched, unavailable };
}
