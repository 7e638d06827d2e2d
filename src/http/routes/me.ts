import { Hono } from 'hono';
import type { MeView } from '../../api/contract.ts';
import { KNOWN_FLAGS } from '../../core/feature-flags.ts';
import type { FeatureFlags } from '../../store/feature-flags.ts';
import type { AppEnv } from '../app-env.ts';
import { requireUser } from '../auth.ts';
import type { JwtVerifier } from '../jwt.ts';

/**
 * `GET /api/me`: who the token says the caller is, and which features are on for them (the
 * dashboard hides what a flag turns off); the dashboard's first call.
 */
export function meRoutes({ auth, flags }: { auth: JwtVerifier; flags?: FeatureFlags }) {
  return new Hono<AppEnv>().get('/api/me', requireUser(auth), async (c) => {
    const user = c.get('user');
    const features = flags
      ? await flags.forUser(KNOWN_FLAGS, user.id)
      : Object.fromEntries(KNOWN_FLAGS.map((key) => [key, true]));
    c.header('cache-control', 'no-store');
    const view: MeView = { id: user.id, email: user.email ?? null, features };
    return c.json(view);
  });
}
