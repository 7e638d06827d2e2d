import { createSyncWorkerFunction } from '../../src/wiring/netlify/netlify-worker.ts';

/**
 * The sync worker, as a background function (the `-background` suffix: Netlify answers 202 at
 * once and lets it run up to 15 minutes). No `config.path`: it is woken, with a signed request,
 * at /.netlify/functions/sync-worker-background by the API, the scheduled tick and itself.
 */
export default createSyncWorkerFunction();
