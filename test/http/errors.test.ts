import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, IllegalTransitionError, TransientError } from '../../src/core/errors.ts';
import type { Database } from '../../src/store/database.ts';
import { createPgliteDatabase } from '../../src/store/pglite-database.ts';
import { captureLogs, errorOf, testApp } from './test-app.ts';

let db: Database;
beforeAll(async () => {
  db = await createPgliteDatabase('memory://');
});
afterAll(() => db.close());

function appThrowing(error: unknown, logger?: ReturnType<typeof captureLogs>['logger']) {
  const app = testApp(db, logger);
  app.get('/api/test/throw', () => {
    throw error;
  });
  return app;
}

describe('error responses', () => {
  it('answers an unknown route with a JSON 404', async () => {
    const response = await testApp(db).request('/api/nothing-here');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const error = await errorOf(response);
    expect(error).toEqual({
      code: 'not_found',
      message: expect.any(String),
      hint: expect.any(String),
    });
  });

  it('answers an unexpected error with a generic 500 and keeps the detail in the log', async () => {
    const { logger, entries } = captureLogs();
    const secretDetail = 'connection to db.internal:5432 refused for user admin';
    const response = await appThrowing(new Error(secretDetail), logger).request('/api/test/throw');
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain('db.internal');
    expect(text).not.toMatch(/at .*\.ts:\d+/);
    expect(JSON.parse(text)).toEqual({
      error: {
        code: 'internal_error',
        message: 'Something went wrong on our side.',
        hint: expect.any(String),
      },
    });
    const logged = entries().find((entry) => entry.level === 50);
    expect(JSON.stringify(logged)).toContain(secretDetail);
    expect(logged?.correlationId).toBe(response.headers.get('x-correlation-id'));
  });

  it('answers a ConfigError with 409 and its own message and hint', async () => {
    const error = new ConfigError({
      code: 'strava_reconnect_required',
      userMessage: 'Strava no longer lets stridesync read your activities.',
      hint: 'Reconnect Strava from the dashboard.',
      detail: 'refresh token revoked (401 from /oauth/token)',
    });
    const response = await appThrowing(error).request('/api/test/throw');
    expect(response.status).toBe(409);
    expect(await errorOf(response)).toEqual({
      code: 'strava_reconnect_required',
      message: 'Strava no longer lets stridesync read your activities.',
      hint: 'Reconnect Strava from the dashboard.',
    });
  });

  it('answers an IllegalTransitionError with 409 and a default hint', async () => {
    const error = new IllegalTransitionError({
      code: 'illegal_transition',
      userMessage: 'This sync has already finished.',
    });
    const response = await appThrowing(error).request('/api/test/throw');
    expect(response.status).toBe(409);
    expect((await errorOf(response)).hint).toEqual(expect.any(String));
  });

  it('answers a TransientError with 503 and Retry-After from retryAt', async () => {
    const error = new TransientError({
      code: 'strava_rate_limited',
      userMessage: 'Strava asked us to slow down.',
      retryAt: new Date(Date.now() + 90_000),
    });
    const response = await appThrowing(error).request('/api/test/throw');
    expect(response.status).toBe(503);
    const retryAfter = Number(response.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(89);
    expect(retryAfter).toBeLessThanOrEqual(90);
    expect((await errorOf(response)).code).toBe('strava_rate_limited');
  });
});
