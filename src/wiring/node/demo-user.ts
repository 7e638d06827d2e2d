import type { Queryable } from '../../store/database.ts';

/**
 * The runner a demo install signs in as. On plain Postgres and PGlite `auth.users` is the
 * stand-in from supabase/local; on Supabase, users come from Supabase Auth instead and this is
 * never called.
 */
export const DEMO_USER = {
  id: 'd3e0a000-0000-4000-8000-000000000001',
  email: 'demo@stridesync.local',
} as const;

/** The simulated Strava athlete of demo mode: about 800 activities over 4 years. */
export const DEMO_ATHLETE = { seed: 'demo', activityCount: 800, years: 4 } as const;

export async function ensureDemoUser(db: Queryable): Promise<void> {
  await db.query(
    `insert into auth.users (id, email, raw_user_meta_data)
     values ($1, $2, '{"name": "Demo Runner"}') on conflict (id) do nothing`,
    [DEMO_USER.id, DEMO_USER.email],
  );
}
