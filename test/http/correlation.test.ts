import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveCorrelationId } from '../../src/http/correlation.ts';
import { signAccessToken } from '../../src/http/jwt.ts';
import type { Database } from '../../src/store/database.ts';
import { createPgliteDatabase } from '../../src/store/pglite-database.ts';
import { captureLogs, JWT_SECRET, testApp, USER_ID } from './test-app.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let db: Database;
let app: ReturnType<typeof testApp>;
beforeAll(async () => {
  db = await createPgliteDatabase('memory://');
  app = testApp(db);
});
afterAll(() => db.close());

function health(correlationId?: string) {
  return app.request('/api/health', {
    headers: correlationId === undefined ? {} : { 'x-correlation-id': correlationId },
  });
}

describe('correlation ids', () => {
  it('echoes a supplied id', async () => {
    const response = await health('req-42.retry:1_A');
    expect(response.headers.get('x-correlation-id')).toBe('req-42.retry:1_A');
  });

  it('generates one when none is supplied', async () => {
    const first = (await health()).headers.get('x-correlation-id');
    const second = (await health()).headers.get('x-correlation-id');
    expect(first).toMatch(UUID);
    expect(second).toMatch(UUID);
    expect(first).not.toBe(second);
  });

  it.each([
    ['a space', 'abc def'],
    ['a tab', 'abc\tdef'],
    ['quotes', '"abc"'],
    ['over 128 characters', 'a'.repeat(129)],
  ])('replaces an id with %s', async (_, supplied) => {
    expect((await health(supplied)).headers.get('x-correlation-id')).toMatch(UUID);
  });

  it('replaces an id with a newline, which would forge a log line', () => {
    // Fetch's Headers refuse a raw newline, so this case is checked below the HTTP layer.
    expect(resolveCorrelationId('abc\n{"level":50,"msg":"forged"}')).toMatch(UUID);
    expect(resolveCorrelationId(undefined)).toMatch(UUID);
  });

  it('accepts an id of exactly 128 characters', async () => {
    const id = 'a'.repeat(128);
    expect((await health(id)).headers.get('x-correlation-id')).toBe(id);
  });

  it('is present on error responses', async () => {
    const notFound = await app.request('/api/nowhere', { headers: { 'x-correlation-id': 'e-1' } });
    expect(notFound.status).toBe(404);
    expect(notFound.headers.get('x-correlation-id')).toBe('e-1');
    const unauthorized = await app.request('/api/me', { headers: { 'x-correlation-id': 'e-2' } });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('x-correlation-id')).toBe('e-2');
  });

  it('logs one line per request with the id, and never the token', async () => {
    const { logger, entries } = captureLogs();
    const token = await signAccessToken(JWT_SECRET, { sub: USER_ID });
    const response = await testApp(db, logger).request('/api/me?code=oauth-secret', {
      headers: { authorization: `Bearer ${token}`, 'x-correlation-id': 'log-1' },
    });
    expect(response.status).toBe(200);
    const requests = entries().filter((entry) => entry.msg === 'request');
    expect(requests).toEqual([
      expect.objectContaining({
        correlationId: 'log-1',
        method: 'GET',
        path: '/api/me',
        status: 200,
        ms: expect.any(Number),
      }),
    ]);
    const everything = JSON.stringify(entries());
    expect(everything).not.toContain(token);
    expect(everything).not.toContain('oauth-secret');
  });
});
