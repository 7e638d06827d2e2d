import type { Config } from '@netlify/functions';
import { buildNetlifyApp } from '../../src/wiring/netlify/netlify-app.ts';
import { createNetlifyHandler } from '../../src/wiring/netlify/netlify-handler.ts';

/**
 * Starting, reading and cancelling syncs (a started sync wakes the sync worker), the runner's
 * activities (a page, one run, their stats), and what a backfill will cost.
 */
export default createNetlifyHandler(() => buildNetlifyApp());

export const config: Config = {
  path: [
    '/api/syncs',
    '/api/syncs/*',
    '/api/activities',
    '/api/activities/*',
    '/api/estimate',
    '/api/me',
  ],
};
