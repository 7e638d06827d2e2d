import { errors, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import { AuthenticationError, ConfigError } from '../core/errors.ts';

/**
 * Supabase-style access tokens: HS256, signed with the project's JWT secret (the UTF-8 bytes of
 * the string, as Supabase uses it), `sub` = the user's id, `role` = `authenticated`. Demo mode
 * and tests mint the same shape with `signAccessToken`, so one verifier serves both.
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

export function createJwtVerifier({ secret }: { secret: string }): JwtVerifier {
  const key = secretKey(secret);
  return {
    async verify(token) {
      const payload = await verifySignature(token, key);
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

async function verifySignature(token: string, key: Uint8Array): Promise<JWTPayload> {
  try {
    // Pinning the algorithm is what rejects `alg: none` and algorithm-confusion tokens.
    const { payload } = await jwtVerify(token, key, {
      algorithms: [ALGORITHM],
      requiredClaims: ['exp', 'sub'],
      clockTolerance: CLOCK_TOLERANCE_S,
    });
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
