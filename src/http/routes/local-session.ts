import { Hono } from 'hono';
import { decodeJwt } from 'jose';
import type { LocalSessionView } from '../../api/contract.ts';
import { AuthenticationError } from '../../core/errors.ts';
import type { AppEnv } from '../app-env.ts';
import { signAccessToken } from '../jwt.ts';
import { isLoopbackRequest } from '../loopback.ts';

export interface LocalSessionOptions {
  /** The secret the local install signs and verifies its own tokens with. */
  jwtSecret: string;
  /** The install's one user, whom the token names. */
  user: { id: string; email: string };
  /** How long a token lasts; the dashboard fetches a new one before it expires. */
  ttlSeconds?: number;
}

export const LOCAL_SESSION_TTL_S = 3600;

/**
 * `GET /api/local/session`: a token for the local install's one user, so the dashboard needs no
 * sign-in. Handing out a token without credentials is safe only because of where this runs:
 * - it is mounted only when the app is given `localSession`, which the local runtime does when
 *   it signs its own tokens; a deployment with Supabase Auth never mounts it (404);
 * - the local server binds 127.0.0.1, so only this computer reaches it, and other web pages
 *   cannot read the answer (no CORS headers for their origins);
 * - a page that rebinds its own domain to 127.0.0.1 (DNS rebinding) still sends its domain as
 *   `Host`, so only loopback host names are answered.
 */
export function localSessionRoutes(options: LocalSessionOptions) {
  const ttl = options.ttlSeconds ?? LOCAL_SESSION_TTL_S;
  return new Hono<AppEnv>().get('/api/local/session', async (c) => {
    if (!isLoopbackRequest(c.req.url)) {
      throw new AuthenticationError({
        code: 'local_session_not_local',
        userMessage: 'The local sign-in is only given to a browser on this computer.',
        hint: 'Open the dashboard at the address stridesync printed (http://127.0.0.1:<port>).',
        detail: `local session refused for host ${new URL(c.req.url).hostname}`,
      });
    }
    const { user } = options;
    const accessToken = await signAccessToken(options.jwtSecret, {
      sub: user.id,
      email: user.email,
      expiresInSeconds: ttl,
    });
    const { exp } = decodeJwt(accessToken);
    c.header('cache-control', 'no-store');
    return c.json({
      accessToken,
      expiresAt: new Date((exp ?? 0) * 1000).toISOString(),
      user: { id: user.id, email: user.email },
    } satisfies LocalSessionView);
  });
}
