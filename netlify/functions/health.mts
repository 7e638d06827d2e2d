import type { Config } from '@netlify/functions';
import { buildNetlifyApp } from '../../src/wiring/netlify/netlify-app.ts';
import { createNetlifyHandler } from '../../src/wiring/netlify/netlify-handler.ts';

/**
 * The operator's endpoints: liveness, readiness, and Prometheus metrics (behind METRICS_TOKEN when
 * set), all computed from the database, where every function and worker records what it did.
 */
export default createNetlifyHandler(() => buildNetlifyApp());

export const config: Config = { path: ['/api/health', '/api/health/ready', '/api/metrics'] };
