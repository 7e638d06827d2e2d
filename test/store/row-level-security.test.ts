import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queryable } from '../../src/store/database.ts';
import { ADAPTERS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { asRole, insertUser, seedUserRows } from '../support/seed.ts';

/** Tables a signed-in runner may read (their own rows only). */
const OWN_ROW_TABLES = ['strava_connections', 'sync_sessions', 'sync_events', 'activities'];
/** Tables only the server (service role) may touch. */
const SERVER_ONLY_TABLES = [
  'api_budget',
  'api_pace',
  'weather_cache',
  'place_cache',
  'oauth_states',
  'strava_push_subscription',
  'provider_health',
  'ops_counters',
  'alert_incidents',
];
const TOKEN_COLUMNS = ['access_token_enc', 'refresh_token_enc', 'token_key_version'];

const PERMISSION_DENIED = { code: '42501' };

describe.each(ADAPTERS)('row level security on %s', (kind) => {
  let t: TestDatabase;
  let userA: string;
  let userB: string;
  const claimsOf = (sub: string) => ({ sub, role: 'authenticated', aud: 'authenticated' });
  const asA = <T>(fn: (tx: Queryable) => Promise<T>) =>
    asRole(t.db, 'authenticated', fn, claimsOf(userA));

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    userA = await insertUser(t.db);
    userB = await insertUser(t.db);
    await seedUserRows(t.db, userA, 1);
    await seedUserRows(t.db, userB, 2);
    await t.db.query(
      `insert into api_budget (provider, bucket, window_start, window_end, limit_count)
       values ('strava', 'overall:15min', now(), now() + interval '15 minutes', 200)`,
    );
    await t.db.query(`insert into api_pace (provider, next_slot_at) values ('nominatim', now())`);
    await t.db.query(
      `insert into weather_cache (lat_cell, lng_cell, hour_utc, provider, observation)
       values (407, -740, date_trunc('hour', now()), 'open-meteo', '{}')`,
    );
    await t.db.query(
      `insert into place_cache (lat_cell, lng_cell, provider, city) values (4075, -7400, 'nominatim', 'New York')`,
    );
    await t.db.query(`insert into feature_flags (key, enabled) values ('weather-backfill', true)`);
    await t.db.query(
      `insert into oauth_states (nonce, user_id, expires_at) values ('n1', $1, now())`,
      [userA],
    );
    await t.db.query(
      `insert into strava_push_subscription (id, callback_url) values (120475, 'https://x.test/hook')`,
    );
    await t.db.query(
      `insert into provider_health (provider, last_success_at) values ('strava', now())`,
    );
    await t.db.query(
      `insert into ops_counters (name, labels, value) values ('stridesync_runs_stored_total', '', 1)`,
    );
    await t.db.query(
      `insert into alert_incidents (key, summary, opened_at) values ('queue_backlog', 'x', now())`,
    );
  });
  afterAll(() => t.dispose());

  it('is enabled on every table in public', async () => {
    const { rows } = await t.db.query<{ tablename: string; rowsecurity: boolean }>(
      `select tablename, rowsecurity from pg_tables where schemaname = 'public' order by tablename`,
    );
    expect(rows.length).toBe(OWN_ROW_TABLES.length + SERVER_ONLY_TABLES.length + 1);
    expect(rows.filter((r) => !r.rowsecurity)).toEqual([]);
  });

  it.each(OWN_ROW_TABLES)('user A reads only their own rows of %s', async (table) => {
    const rows = await asA(
      async (tx) => (await tx.query<{ user_id: string }>(`select user_id from ${table}`)).rows,
    );
    expect(rows).toEqual([{ user_id: userA }]);
  });

  it.each(OWN_ROW_TABLES)(
    'user A cannot see user B in %s even when asking for it',
    async (table) => {
      const rows = await asA(
        async (tx) =>
          (await tx.query(`select user_id from ${table} where user_id = $1`, [userB])).rows,
      );
      expect(rows).toEqual([]);
    },
  );

  it.each([...OWN_ROW_TABLES, ...SERVER_ONLY_TABLES, 'feature_flags'])(
    'user A can write nothing to %s',
    async (table) => {
      await expect(asA((tx) => tx.query(`delete from ${table}`))).rejects.toMatchObject(
        PERMISSION_DENIED,
      );
      await expect(
        asA((tx) => tx.query(`update ${table} set ${firstColumn(table)} = ${firstColumn(table)}`)),
      ).rejects.toMatchObject(PERMISSION_DENIED);
    },
  );

  it('user A cannot insert their own rows either: writes go through the server', async () => {
    await expect(
      asA((tx) =>
        tx.query(
          `insert into sync_sessions (user_id, kind, correlation_id) values ($1, 'backfill', 'x')`,
          [userA],
        ),
      ),
    ).rejects.toMatchObject(PERMISSION_DENIED);
  });

  it.each(SERVER_ONLY_TABLES)('user A cannot read %s', async (table) => {
    await expect(asA((tx) => tx.query(`select * from ${table}`))).rejects.toMatchObject(
      PERMISSION_DENIED,
    );
  });

  it('user A reads feature flags', async () => {
    const rows = await asA(
      async (tx) => (await tx.query('select key, enabled from feature_flags')).rows,
    );
    expect(rows).toEqual([{ key: 'weather-backfill', enabled: true }]);
  });

  it.each(TOKEN_COLUMNS)(
    'token column %s is unreadable to authenticated, even for own row',
    async (column) => {
      await expect(
        asA((tx) => tx.query(`select ${column} from strava_connections`)),
      ).rejects.toMatchObject(PERMISSION_DENIED);
      await expect(asA((tx) => tx.query('select * from strava_connections'))).rejects.toMatchObject(
        PERMISSION_DENIED,
      );
    },
  );

  it('the non-secret connection columns are readable to their owner', async () => {
    const rows = await asA(
      async (tx) =>
        (
          await tx.query<{ athlete_id: string; scopes: string[] }>(
            'select athlete_id, scopes from strava_connections',
          )
        ).rows,
    );
    expect(rows).toEqual([{ athlete_id: '1001', scopes: ['read', 'activity:read_all'] }]);
  });

  it.each([...OWN_ROW_TABLES, ...SERVER_ONLY_TABLES, 'feature_flags'])(
    'anon reads nothing of %s',
    async (table) => {
      await expect(
        asRole(t.db, 'anon', (tx) => tx.query(`select * from ${table}`)),
      ).rejects.toMatchObject(PERMISSION_DENIED);
    },
  );

  it.each([...OWN_ROW_TABLES, ...SERVER_ONLY_TABLES])(
    'service_role reads every row of %s',
    async (table) => {
      const rows = await asRole(
        t.db,
        'service_role',
        async (tx) => (await tx.query(`select * from ${table}`)).rows,
      );
      expect(rows.length).toBe(OWN_ROW_TABLES.includes(table) ? 2 : 1);
    },
  );

  it('service_role reads the token columns', async () => {
    const rows = await asRole(
      t.db,
      'service_role',
      async (tx) =>
        (
          await tx.query<{ access_token_enc: string }>(
            'select access_token_enc from strava_connections',
          )
        ).rows,
    );
    expect(rows.map((r) => r.access_token_enc)).toEqual(['ciphertext-a', 'ciphertext-a']);
  });

  it('a token with no subject sees no rows', async () => {
    const rows = await asRole(
      t.db,
      'authenticated',
      async (tx) => (await tx.query('select * from activities')).rows,
      {
        role: 'authenticated',
      },
    );
    expect(rows).toEqual([]);
  });
});

function firstColumn(table: string): string {
  const columns: Record<string, string> = {
    strava_connections: 'scopes',
    sync_sessions: 'kind',
    sync_events: 'type',
    activities: 'name',
    api_budget: 'used_count',
    api_pace: 'next_slot_at',
    weather_cache: 'provider',
    place_cache: 'city',
    feature_flags: 'enabled',
    oauth_states: 'nonce',
    provider_health: 'provider',
    ops_counters: 'value',
    alert_incidents: 'summary',
  };
  return columns[table] ?? 'id';
}
