import type { Config } from '@netlify/functions';
import { buildNetlifyApp } from '../../src/wiring/netlify/netlify-app.ts';
import { createNetlifyHandler } from '../../src/wiring/netlify/netlify-handler.ts';

/**
 * Strava's push subscription: the handshake, and events queued within Strava's 2 seconds (each
 * wakes the sync worker).
 */
export default createNetlifyHandler(() => buildNetlifyApp());

export const config: Config = { path: '/api/strava/webhook' };
