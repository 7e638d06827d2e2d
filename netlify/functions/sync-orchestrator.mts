import type { Config } from '@netlify/functions';
import { buildNetlifyApp } from '../../src/http/netlify-app.ts';
import { createNetlifyHandler } from '../../src/http/netlify-handler.ts';

/** Starting, reading and cancelling syncs, and the runner's own data. */
export default createNetlifyHandler(() => buildNetlifyApp());

export const config: Config = {
  path: ['/api/syncs', '/api/syncs/*', '/api/activities', '/api/me'],
};
