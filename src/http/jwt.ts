import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
  SignJWT,
} from 'jose';
import { z } from 'zod';
import { AuthenticationError, ConfigError, TransientError } from '../core/errors.ts';

/**
 * Supabase-style access tokens: `sub` = the user's id, `role` = `authenticated`. A project signs
 * them either with its shared JWT secret (HS256, the UTF-8 bytes of the string, as Supabase uses
 * it) or, with asymmetric signing keys, ES256/RS256 whose public keys it publishes as a JWKS at
 * `<SUPABASE_URL>/auth/v1/.well-known/jwks.json`. Demo mode and tests mint the HS256 shape with
 * `signAccessToken`, so one verifier serves all of them.
 */

export interface AuthUser {
  id: string;
  role: 'authenticated';
  email?: string;
  claims: JWTPayload;
}

export interface JwtVerifier {
  /** Resolves with the user the token names; throws an `AuthenticationError` otherwise. */
  verify(token: string): Promise<AuthUser>;
}

const ALGORITHM = 'HS256';
/** What Supabase's asymmetric signing keys use; `none` and HS* never reach the JWKS. */
const JWKS_ALGORITHMS = ['ES256', 'RS256'];
const AUDIENCE = 'authenticated';
/** Clocks of the issuer and of a function instance drift; a few seconds must not sign anyone out. */
const CLOCK_TOLERANCE_S = 30;
const MIN_SECRET_LENGTH = 32;
const SIGN_IN_AGAIN = 'Sign in again.';

const userClaims = z.object({
  sub: z.guid(),
  role: z.literal('authenticated'),
  // Supabase puts `email: ""` in tokens of users who signed in by phone.
  email: z.string().optional(),
});

/** Where a Supabase project publishes the public keys of its asymmetric signing keys. */
export function supabaseJwksUrl(supabaseUrl: string): URL {
  return new URL('auth/v1/.well-known/jwks.json', withSlash(supabaseUrl));
}

/** The `iss` of every token a Supabase project's Auth issues: `<SUPABASE_URL>/auth/v1`. */
export function supabaseIssuer(supabaseUrl: string): string {
  return new URL('auth/v1', withSlash(supabaseUrl)).href;
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/**
 * `secret` verifies HS256 tokens; with `supabaseUrl` (a real project), ES256/RS256 tokens are
 * verified against the keys it publishes (fetched on first use, cached, and fetched again for
 * an unknown `kid`, so a key rotation needs no restart), and every token, HS256 included, must
 * name the project's Auth as its issuer. Every token must be for the `authenticated` audience,
 * as Supabase's and the local signer's are: a token minted for another audience under the same
 * secret is not a sign-in to this API.
 */
export function createJwtVerifier({
  secret,
  supabaseUrl,
}: {
  secret: string;
  supabaseUrl?: string;
}): JwtVerifier {
  const key = secretKey(secret);
  const jwks = supabaseUrl ? createRemoteJWKSet(supabaseJwksUrl(supabaseUrl)) : undefined;
  const expected: Expected = {
    audience: AUDIENCE,
    ...(supabaseUrl ? { issuer: supabaseIssuer(supabaseUrl) } : {}),
  };
  return {
    async verify(token) {
      const payload =
        jwks && isAsymmetric(token)
          ? await verifyWithJwks(token, jwks, expected)
          : await verifySignature(token, key, expected);
      const claims = userClaims.safeParse(payload);
      if (!claims.success) {
        throw invalidToken('The sign-in token does not belong to a signed-in user.');
      }
      const { sub, email } = claims.data;
      return { id: sub, role: 'authenticated', email: email || undefined, claims: payload };
    },
  };
}

export interface AccessTokenOptions {
  sub: string;
  email?: string;
  expiresInSeconds?: number;
  issuer?: string;
}

/** Mints a token a real Supabase project would issue for `sub`; demo mode and tests use it. */
export async function signAccessToken(
  secret: string,
  { sub, email, expiresInSeconds = 3600, issuer }: AccessTokenOptions,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ role: 'authenticated', ...(email ? { email } : {}) })
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setSubject(sub)
    .setAudience(AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + expiresInSeconds);
  if (issuer) jwt.setIssuer(issuer);
  return jwt.sign(secretKey(secret));
}

function isAsymmetric(token: string): boolean {
  try {
    return JWKS_ALGORITHMS.includes(decodeProtectedHeader(token).alg ?? '');
  } catch {
    return false; // not a JWT at all: the HS256 path refuses it with the usual answer
  }
}

async function verifyWithJwks(
  token: string,
  jwks: JWTVerifyGetKey,
  expected: Expected,
): Promise<JWTPayload> {
  try {
    return await verifySignature(token, jwks, expected, JWKS_ALGORITHMS);
  } catch (error) {
    if (error instanceof AuthenticationError && isJwksUnreachable(error.cause)) {
      throw new TransientError({
        code: 'auth_keys_unavailable',
        userMessage: 'Your sign-in could not be checked right now.',
        hint: 'Try again in a moment.',
        detail: `the JWKS could not be fetched: ${String(error.cause)}`,
        cause: error.cause,
      });
    }
    throw error;
  }
}

/**
 * The key set could not be had: a network failure or timeout, an answer other than 200 (jose's
 * generic error), or not a JWKS. That is our side, not the token's: 503, not "sign in again".
 */
function isJwksUnreachable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (!(error instanceof errors.JOSEError)) return true;
  return (
    error instanceof errors.JWKSTimeout ||
    error instanceof errors.JWKSInvalid ||
    error.code === 'ERR_JOSE_GENERIC'
  );
}

/** The claims every token must carry: its audience, and with a Supabase project, its issuer. */
interface Expected {
  audience: string;
  issuer?: string;
}

async function verifySignature(
  token: string,
  key: Uint8Array | JWTVerifyGetKey,
  expected: Expected,
  algorithms: string[] = [ALGORITHM],
): Promise<JWTPayload> {
  try {
    // Pinning the algorithms is what rejects `alg: none` and algorithm-confusion tokens.
    const options = {
      algorithms,
      requiredClaims: ['exp', 'sub'],
      clockTolerance: CLOCK_TOLERANCE_S,
      ...expected,
    };
    const { payload } =
      typeof key === 'function'
        ? await jwtVerify(token, key, options)
        : await jwtVerify(token, key, options);
    return payload;
  } catch (error) {
    if (error instanceof errors.JWTExpired) {
      throw new AuthenticationError({
        code: 'expired_token',
        userMessage: 'Your sign-in has expired.',
        hint: SIGN_IN_AGAIN,
        detail: error.message,
        cause: error,
      });
    }
    throw invalidToken('The sign-in token is not valid.', error);
  }
}

function invalidToken(userMessage: string, cause?: unknown): AuthenticationError {
  return new AuthenticationError({
    code: 'invalid_token',
    userMessage,
    hint: SIGN_IN_AGAIN,
    detail: cause instanceof Error ? `${userMessage} ${cause.message}` : userMessage,
    cause,
  });
}

function secretKey(secret: string): Uint8Array {
  // A short HMAC secret can be brute-forced offline from any one token.
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError({
      code: 'invalid_jwt_secret',
      userMessage: `The JWT secret must be at least ${MIN_SECRET_LENGTH} characters.`,
      hint: 'Set SUPABASE_JWT_SECRET to the JWT secret of the Supabase project.',
    });
  }
  return new TextEncoder().encode(secret);
}
