import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.ts';
import { createApp } from '../../src/http/app.ts';
import { createJwtVerifier } from '../../src/http/jwt.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { JWT_SECRET } from './test-app.ts';

describe('CORS', () => {
  let t: TestDatabase;
  let app: ReturnType<typeof createApp>;
  beforeAll(async () => {
    t = await createTestDatabase('pglite', { migrated: false });
    app = createApp({
      db: t.db,
      clock: systemClock,
      logger: createLogger('silent'),
      auth: createJwtVerifier({ secret: JWT_SECRET }),
      corsOrigins: ['https://dash.example.com'],
    });
  });
  afterAll(() => t.dispose());

  const preflight = (origin: string) =>
    app.request('/api/syncs', {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });

  it('lets an allowed origin send the Authorization header and read the correlation id', async () => {
    const response = await preflight('https://dash.example.com');
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://dash.example.com');
    expect(response.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    const health = await app.request('/api/health', {
      headers: { origin: 'https://dash.example.com' },
    });
    expect(health.headers.get('access-control-expose-headers')).toContain('x-correlation-id');
  });

  it('gives any other origin nothing to go on', async () => {
    const response = await preflight('https://evil.example.net');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const health = await app.request('/api/health', {
      headers: { origin: 'https://evil.example.net' },
    });
    expect(health.headers.get('access-control-allow-origin')).toBeNull();
  });
});
