import type { Runtime } from '../runtime/open-runtime.ts';
import { enrichForSync } from '../sync/enrich-for-sync.ts';
import type { SyncDeps } from '../sync/run-sync.ts';

/** What the runner needs, taken from a long-running process's runtime. */
export function syncDepsOf(runtime: Runtime): SyncDeps {
  return {
    db: runtime.db,
    clock: runtime.clock,
    logger: runtime.logger,
    strava: {
      client: runtime.strava.client,
      tokens: runtime.strava.tokens,
      connections: runtime.strava.store,
    },
    purgeOnDeauthorize: runtime.config.purgeOnDeauthorize,
    sportTypes: runtime.config.strava.sportTypes,
    enrich: enrichForSync(runtime.db, runtime.weather, runtime.clock),
  };
}
