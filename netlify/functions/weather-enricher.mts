import type { Config } from '@netlify/functions';
import { createSchedulerFunction } from '../../src/wiring/netlify/netlify-worker.ts';

/**
 * The scheduled tick: queues the weather backfill, and the incremental and reconcile syncs, when
 * their crons fire, then wakes the sync worker. Every 10 minutes: TICK_MS in
 * src/queue/scheduled-tick.ts, which must match (Netlify reads the schedule from this file).
 */
export default createSchedulerFunction();

export const config: Config = { schedule: '*/10 * * * *' };
