import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../src/store/database.ts';

/** Inserts a Supabase auth user (the emulated `auth.users` locally) and returns its id. */
export async function insertUser(
  db: Queryable,
  email = `${randomUUID()}@example.test`,
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    'insert into auth.users (email) values ($1) returning id',
    [email],
  );
  return rows[0]!.id;
}

/** Runs `fn` as PostgREST would for a request with these JWT claims, then rolls back. */
export async function asRole<T>(
  db: { withTransaction<R>(fn: (tx: Queryable) => Promise<R>): Promise<R> },
  role: 'anon' | 'authenticated' | 'service_role',
  fn: (tx: Queryable) => Promise<T>,
  claims: Record<string, unknown> = { role },
): Promise<T> {
  return db.withTransaction(async (tx) => {
    await tx.query(`set local role ${role}`);
    await tx.query(`select set_config('request.jwt.claims', $1, true)`, [JSON.stringify(claims)]);
    return fn(tx);
  });
}

/** One row of every user table for `userId`; ids are derived from `n` so rows never clash. */
export async function seedUserRows(db: Queryable, userId: string, n: number): Promise<void> {
  await db.query(
    `insert into strava_connections
       (user_id, athlete_id, scopes, access_token_enc, refresh_token_enc, token_key_version, expires_at)
     values ($1, $2, '{read,activity:read_all}', 'ciphertext-a', 'ciphertext-r', 1, now() + interval '6 hours')`,
    [userId, 1000 + n],
  );
  const { rows } = await db.query<{ id: string }>(
    `insert into sync_sessions (user_id, kind, correlation_id) values ($1, 'backfill', $2) returning id`,
    [userId, `corr-${n}`],
  );
  await db.query(
    `insert into sync_events (session_id, user_id, type, correlation_id)
     values ($1, $2, 'sync:started', $3)`,
    [rows[0]!.id, userId, `corr-${n}`],
  );
  await db.query(
    `insert into activities (id, user_id, athlete_id, name, sport_type, start_date, start_date_local,
       distance_m, moving_time_s, elapsed_time_s, strava_summary)
     values ($1, $2, $3, 'Morning Run', 'Run', now(), localtimestamp, 5000, 1500, 1520, '{}')`,
    [String(9_000_000_000 + n), userId, 1000 + n],
  );
}
