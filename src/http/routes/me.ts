import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { requireUser } from '../auth.ts';
import type { JwtVerifier } from '../jwt.ts';

/** `GET /api/me`: who the token says the caller is; the dashboard's first call. */
export function meRoutes({ auth }: { auth: JwtVerifier }) {
  return new Hono<AppEnv>().get('/api/me', requireUser(auth), (c) => {
    const user = c.get('user');
    c.header('cache-control', 'no-store');
    return c.json({ id: user.id, email: user.email ?? null });
  });
}
