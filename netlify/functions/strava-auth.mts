import type { Config } from '@netlify/functions';
import { buildNetlifyApp } from '../../src/wiring/netlify/netlify-app.ts';
import { createNetlifyHandler } from '../../src/wiring/netlify/netlify-handler.ts';

/** Connecting and disconnecting Strava (OAuth). */
export default createNetlifyHandler(() => buildNetlifyApp());

export const config: Config = {
  path: ['/api/strava/connect', '/api/strava/callback', '/api/strava/connection'],
};
