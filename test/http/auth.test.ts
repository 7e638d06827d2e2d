import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signAccessToken } from '../../src/http/jwt.ts';
import type { Database } from '../../src/store/database.ts';
import { createPgliteDatabase } from '../../src/store/pglite-database.ts';
import { ALL_FEATURES_ON } from '../support/feature-flags.ts';
import { errorOf, JWT_SECRET, testApp, USER_ID } from './test-app.ts';

let db: Database;
let app: ReturnType<typeof testApp>;

beforeAll(async () => {
  db = await createPgliteDatabase('memory://');
  app = testApp(db);
});
afterAll(() => db.close());

const key = new TextEncoder().encode(JWT_SECRET);
const inOneHour = () => Math.floor(Date.now() / 1000) + 3600;

function me(authorization?: string) {
  return app.request('/api/me', authorization ? { headers: { authorization } } : {});
}

async function expect401(response: Response, code: string) {
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toBe('Bearer');
  const error = await errorOf(response);
  expect(error.code).toBe(code);
  expect(error.message).toEqual(expect.any(String));
  expect(error.message.length).toBeGreaterThan(0);
  expect(error.hint).toBe('Sign in again.');
}

describe('GET /api/me', () => {
  it('answers the user the token names', async () => {
    const token = await signAccessToken(JWT_SECRET, { sub: USER_ID, email: 'runner@example.com' });
    const response = await me(`Bearer ${token}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      id: USER_ID,
      email: 'runner@example.com',
      features: ALL_FEATURES_ON,
    });
  });

  it('accepts a token just expired within the clock tolerance', async () => {
    const token = await signAccessToken(JWT_SECRET, { sub: USER_ID, expiresInSeconds: -10 });
    const response = await me(`Bearer ${token}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id: USER_ID, email: null, features: ALL_FEATURES_ON });
  });

  it('treats the empty email of phone sign-ins as no email', async () => {
    const token = await new SignJWT({ role: 'authenticated', email: '' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(USER_ID)
      .setAudience('authenticated')
      .setExpirationTime(inOneHour())
      .sign(key);
    expect(await (await me(`Bearer ${token}`)).json()).toEqual({
      id: USER_ID,
      email: null,
      features: ALL_FEATURES_ON,
    });
  });
});

describe('401 for requests without a valid token', () => {
  it('no Authorization header', async () => {
    await expect401(await me(), 'missing_token');
  });

  it('a header that is not a Bearer token', async () => {
    await expect401(await me('Basic dXNlcjpwYXNz'), 'missing_token');
    await expect401(await me('Bearer'), 'missing_token');
  });

  it('a garbage token', async () => {
    await expect401(await me('Bearer not.a.jwt'), 'invalid_token');
    await expect401(await me('Bearer garbage'), 'invalid_token');
  });

  it('an expired token', async () => {
    const token = await signAccessToken(JWT_SECRET, { sub: USER_ID, expiresInSeconds: -120 });
    await expect401(await me(`Bearer ${token}`), 'expired_token');
  });

  it('a token signed with another secret (forged)', async () => {
    const token = await signAccessToken('another-secret-that-is-also-32-chars-long', {
      sub: USER_ID,
    });
    await expect401(await me(`Bearer ${token}`), 'invalid_token');
  });

  it('an unsigned token (alg: none)', async () => {
    const token = new UnsecuredJWT({ role: 'authenticated', aud: 'authenticated' })
      .setSubject(USER_ID)
      .setExpirationTime(inOneHour())
      .encode();
    await expect401(await me(`Bearer ${token}`), 'invalid_token');
  });

  it('a token signed with another algorithm under the same secret', async () => {
    const token = await new SignJWT({ role: 'authenticated' })
      .setProtectedHeader({ alg: 'HS512' })
      .setSubject(USER_ID)
      .setExpirationTime(inOneHour())
      .sign(key);
    await expect401(await me(`Bearer ${token}`), 'invalid_token');
  });

  it('a token for the anon role', async () => {
    const token = await new SignJWT({ role: 'anon' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(USER_ID)
      .setExpirationTime(inOneHour())
      .sign(key);
    await expect401(await me(`Bearer ${token}`), 'invalid_token');
  });

  it('a token whose sub is not a UUID', async () => {
    const token = await signAccessToken(JWT_SECRET, { sub: 'user-1' });
    await expect401(await me(`Bearer ${token}`), 'invalid_token');
  });

  it('a token for another audience, or for none (the local signer always sets authenticated)', async () => {
    for (const audience of ['anon-app', undefined]) {
      const jwt = new SignJWT({ role: 'authenticated' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(USER_ID)
        .setExpirationTime(inOneHour());
      if (audience) jwt.setAudience(audience);
      await expect401(await me(`Bearer ${await jwt.sign(key)}`), 'invalid_token');
    }
  });

  it('a token without an expiry', async () => {
    const token = await new SignJWT({ role: 'authenticated' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(USER_ID)
      .sign(key);
    await expect401(await me(`Bearer ${token}`), 'invalid_token');
  });
});
