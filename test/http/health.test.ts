import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDatabase } from '../../src/http/routes/health.ts';
import type { Database } from '../../src/store/database.ts';
import { createPgliteDatabase } from '../../src/store/pglite-database.ts';
import { testApp } from './test-app.ts';

describe('GET /api/health', () => {
  let db: Database;
  beforeAll(async () => {
    db = await createPgliteDatabase('memory://');
  });
  afterAll(() => db.close());

  it('answers 200 after a database round trip, without a token', async () => {
    const response = await testApp(db).request('/api/health');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({
      status: 'ok',
      database: { kind: 'pglite', ok: true, latencyMs: expect.any(Number) },
      version: 'test',
    });
  });

  it('gives up on a database slower than the timeout', async () => {
    const stalled: Database = { ...db, query: () => new Promise(() => {}) };
    const check = await checkDatabase(stalled, 20);
    expect(check).toMatchObject({ kind: 'pglite', ok: false, reason: 'timeout' });
    expect(check.latencyMs).toBeGreaterThanOrEqual(15);
  });
});

describe('GET /api/health with a broken database', () => {
  it('answers 503 in its plain shape when the database is closed', async () => {
    const db = await createPgliteDatabase('memory://');
    await db.close();
    const response = await testApp(db).request('/api/health');
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      status: 'unavailable',
      database: {
        kind: 'pglite',
        ok: false,
        latencyMs: expect.any(Number),
        reason: 'query_failed',
      },
      version: 'test',
    });
  });
});
