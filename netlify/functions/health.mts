import type { Config } from '@netlify/functions';
import { buildNetlifyApp } from '../../src/wiring/netlify/netlify-app.ts';
import { createNetlifyHandler } from '../../src/wiring/netlify/netlify-handler.ts';

/** The operator's endpoints: health, and Prometheus metrics (behind METRICS_TOKEN when set). */
export default createNetlifyHandler(() => buildNetlifyApp());

export const config: Config = { path: ['/api/health', '/api/metrics'] };
