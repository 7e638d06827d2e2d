import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.ts';
import { createApp } from '../../src/http/app.ts';
import {
  createJwtVerifier,
  signAccessToken,
  supabaseIssuer,
  supabaseJwksUrl,
} from '../../src/http/jwt.ts';
import { createLogger } from '../../src/observability/logger.ts';
import type { Database } from '../../src/store/database.ts';
import { createPgliteDatabase } from '../../src/store/pglite-database.ts';
import { ALL_FEATURES_ON } from '../support/feature-flags.ts';
import { errorOf, JWT_SECRET, USER_ID } from './test-app.ts';

/**
 * A Supabase project with asymmetric signing keys: its JWKS served over real HTTP at the path
 * Supabase publishes it under, tokens signed with the private half (ES256), and the API
 * verifying them, while the project's shared secret still verifies HS256 tokens.
 */
describe('tokens signed with the project’s asymmetric keys (JWKS)', () => {
  let db: Database;
  let server: Server;
  let supabaseUrl: string;
  let published: { keys: JWK[] } = { keys: [] };
  let jwksStatus = 200;
  let jwksRequests = 0;
  let signing: CryptoKey;
  let stranger: CryptoKey;
  let app: ReturnType<typeof createApp>;

  beforeAll(async () => {
    db = await createPgliteDatabase('memory://');
    const pair = await generateKeyPair('ES256', { extractable: true });
    signing = pair.privateKey;
    stranger = (await generateKeyPair('ES256')).privateKey;
    published = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'key-1', alg: 'ES256' }] };
    server = createServer((req, res) => {
      if (req.url !== '/auth/v1/.well-known/jwks.json') return void res.writeHead(404).end();
      jwksRequests += 1;
      res.writeHead(jwksStatus, { 'content-type': 'application/json' });
      res.end(jwksStatus === 200 ? JSON.stringify(published) : '{"message":"unavailable"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    supabaseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await db.close();
  });

  /** A fresh verifier per test: jose caches a fetched key set for the verifier's life. */
  function freshApp() {
    app = createApp({
      db,
      clock: systemClock,
      logger: createLogger('silent'),
      auth: createJwtVerifier({ secret: JWT_SECRET, supabaseUrl }),
    });
  }

  const me = (token: string) =>
    app.request('/api/me', { headers: { authorization: `Bearer ${token}` } });

  function es256(
    key: CryptoKey,
    kid = 'key-1',
    { audience = 'authenticated', issuer = `${supabaseUrl}/auth/v1` } = {},
  ) {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ role: 'authenticated', email: 'runner@example.com' })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
      .setSubject(USER_ID)
      .setAudience(audience)
      .setIssuer(issuer)
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(key);
  }

  it('accepts a token signed with a published key, and still an HS256 one', async () => {
    jwksStatus = 200;
    freshApp();
    const asymmetric = await me(await es256(signing));
    expect(asymmetric.status).toBe(200);
    expect(await asymmetric.json()).toEqual({
      id: USER_ID,
      email: 'runner@example.com',
      features: ALL_FEATURES_ON,
    });
    // The project's HS256 tokens carry its issuer too.
    const legacy = await me(
      await signAccessToken(JWT_SECRET, { sub: USER_ID, issuer: `${supabaseUrl}/auth/v1` }),
    );
    expect(legacy.status).toBe(200);
    expect(await legacy.json()).toEqual({ id: USER_ID, email: null, features: ALL_FEATURES_ON });
  });

  it('refuses a token for another audience or from another issuer (401), whatever its algorithm', async () => {
    jwksStatus = 200;
    freshApp();
    const refused = [
      await es256(signing, 'key-1', { audience: 'anon-app' }),
      await es256(signing, 'key-1', { issuer: 'https://other.supabase.co/auth/v1' }),
      await es256(signing, 'key-1', { issuer: supabaseUrl }),
      // Signed with the project's own secret, but not issued by its Auth: no `iss`, or another.
      await signAccessToken(JWT_SECRET, { sub: USER_ID }),
      await signAccessToken(JWT_SECRET, {
        sub: USER_ID,
        issuer: 'https://other.supabase.co/auth/v1',
      }),
      await new SignJWT({ role: 'authenticated' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(USER_ID)
        .setIssuer(`${supabaseUrl}/auth/v1`)
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(JWT_SECRET)),
    ];
    for (const token of refused) {
      const response = await me(token);
      expect(response.status).toBe(401);
      expect(await errorOf(response)).toMatchObject({
        code: 'invalid_token',
        hint: 'Sign in again.',
      });
    }
  });

  it('refuses a token signed with a key the project never published (401, sign in again)', async () => {
    jwksStatus = 200;
    freshApp();
    for (const token of [await es256(stranger), await es256(stranger, 'unknown-kid')]) {
      const response = await me(token);
      expect(response.status).toBe(401);
      expect(await errorOf(response)).toMatchObject({
        code: 'invalid_token',
        hint: 'Sign in again.',
      });
    }
  });

  it('fetches the key set once and reuses it', async () => {
    jwksStatus = 200;
    freshApp();
    const before = jwksRequests;
    for (let i = 0; i < 3; i++) expect((await me(await es256(signing))).status).toBe(200);
    expect(jwksRequests - before).toBe(1);
  });

  it('answers 503, not "sign in again", when the key set cannot be fetched', async () => {
    jwksStatus = 503;
    freshApp();
    const response = await me(await es256(signing));
    expect(response.status).toBe(503);
    expect(await errorOf(response)).toMatchObject({
      code: 'auth_keys_unavailable',
      message: 'Your sign-in could not be checked right now.',
      hint: 'Try again in a moment.',
    });
    jwksStatus = 200;
  });

  it('answers 503 when the project cannot be reached at all', async () => {
    app = createApp({
      db,
      clock: systemClock,
      logger: createLogger('silent'),
      auth: createJwtVerifier({ secret: JWT_SECRET, supabaseUrl: 'http://127.0.0.1:1' }),
    });
    const response = await me(await es256(signing));
    expect(response.status).toBe(503);
    expect((await errorOf(response)).code).toBe('auth_keys_unavailable');
  });

  it('finds the JWKS and the issuer under the project URL with or without a trailing slash', () => {
    expect(supabaseJwksUrl('https://abc.supabase.co').href).toBe(
      'https://abc.supabase.co/auth/v1/.well-known/jwks.json',
    );
    expect(supabaseJwksUrl('https://abc.supabase.co/').href).toBe(
      'https://abc.supabase.co/auth/v1/.well-known/jwks.json',
    );
    expect(supabaseIssuer('https://abc.supabase.co')).toBe('https://abc.supabase.co/auth/v1');
    expect(supabaseIssuer('https://abc.supabase.co/')).toBe('https://abc.supabase.co/auth/v1');
  });
});
