import type { EnrichmentDeps } from '../enrichment/enrich-pending.ts';
import { apiNamesOf } from '../enrichment/enrichment-services.ts';
import type { AlertSettings } from '../queue/alert-watch.ts';
import { enrichForSync } from '../sync/enrich-for-sync.ts';
import type { SyncDeps } from '../sync/sync-deps.ts';
import type { Runtime } from './node/open-runtime.ts';

/** The parts of a process the runner needs: a long-running runtime, or a Netlify function's. */
export type SyncParts = Pick<
  Runtime,
  'db' | 'clock' | 'logger' | 'strava' | 'weather' | 'config' | 'flags'
>;

/** What the runner needs, taken from a process's parts. */
export function syncDepsOf(parts: SyncParts): SyncDeps {
  return {
    db: parts.db,
    clock: parts.clock,
    logger: parts.logger,
    strava: {
      client: parts.strava.client,
      tokens: parts.strava.tokens,
      connections: parts.strava.store,
    },
    purgeOnDeauthorize: parts.config.purgeOnDeauthorize,
    sportTypes: parts.config.strava.sportTypes,
    flags: parts.flags,
    enrich: enrichForSync(parts.db, parts.weather, parts.clock, parts.flags),
  };
}

/** What the weather backfill job needs, from the same parts. */
export function enrichmentOf(parts: SyncParts): EnrichmentDeps {
  return { ...parts.weather, clock: parts.clock, flags: parts.flags };
}

/** The alert watch a worker runs when ALERT_WEBHOOK_URL is set; none otherwise. */
export function alertsOf(parts: Pick<SyncParts, 'config' | 'weather'>): { alerts?: AlertSettings } {
  const url = parts.config.alertWebhookUrl;
  return url ? { alerts: { webhookUrl: url, apis: apiNamesOf(parts.weather) } } : {};
}
