import type { MiddlewareHandler } from 'hono';
import { AuthenticationError } from '../core/errors.ts';
import type { AuthedEnv } from './app-env.ts';
import type { JwtVerifier } from './jwt.ts';

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/**
 * Lets a request through only with a valid `Authorization: Bearer <jwt>`; sets `user` and spends
 * the request from that user's budget (429 when it is spent).
 */
export function requireUser(verifier: JwtVerifier): MiddlewareHandler<AuthedEnv> {
  return async (c, next) => {
    const token = BEARER.exec(c.req.header('authorization') ?? '')?.[1];
    if (!token) {
      throw new AuthenticationError({
        code: 'missing_token',
        userMessage: 'This request needs a sign-in token (Authorization: Bearer <token>).',
        hint: 'Sign in again.',
      });
    }
    const user = await verifier.verify(token);
    c.get('userRequestLimit')?.take(user.id, c.req.path);
    c.set('user', user);
    await next();
  };
}
