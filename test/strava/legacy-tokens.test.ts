import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnectionStore } from '../../src/strava/connection-store.ts';
import { migrateLegacyTokens } from '../../src/strava/legacy-tokens.ts';
import { createTokenCipher } from '../../src/strava/token-crypto.ts';
import { ADAPTERS, createTestDatabase, type TestDatabase } from '../support/databases.ts';

const cipher = createTokenCipher([{ version: 1, key: randomBytes(32) }]);
const store = createConnectionStore(cipher);

describe.each(ADAPTERS)('legacy token migration on %s', (kind) => {
  let t: TestDatabase;
  const users: Record<string, string> = {};

  async function user(name: string, meta: Record<string, unknown>) {
    const { rows } = await t.db.query<{ id: string }>(
      'insert into auth.users (email, raw_user_meta_data) values ($1, $2) returning id',
      [`${name}@example.test`, JSON.stringify(meta)],
    );
    users[name] = rows[0]!.id;
  }
  const metaOf = async (name: string) =>
    (
      await t.db.query<{ m: Record<string, unknown> }>(
        'select raw_user_meta_data as m from auth.users where id = $1',
        [users[name]],
      )
    ).rows[0]?.m;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    await user('ada', {
      name: 'Ada',
      strava_access_token: 'legacy-access-ada',
      strava_refresh_token: 'legacy-refresh-ada',
      strava_expires_at: 1893456000,
      strava_athlete_id: 111,
      strava_scope: 'read,activity:read_all',
    });
    await user('bo', {
      strava_access_token: 'legacy-access-bo',
      strava_refresh_token: 'legacy-refresh-bo',
      strava_expires_at: '2030-01-01T00:00:00Z',
      strava_athlete_id: '222',
    });
    await user('cy', { strava_access_token: 'only-an-access-token', theme: 'dark' });
    await user('di', { theme: 'light' });
    await user('ed', {
      strava_access_token: 'legacy-access-ed',
      strava_refresh_token: 'legacy-refresh-ed',
      strava_expires_at: 1893456000,
      strava_athlete_id: 555,
    });
    await store.saveTokens(
      t.db,
      users.ed!,
      { access_token: 'new-access-ed', refresh_token: 'new-refresh-ed', expires_at: 1893456000 },
      {
        athlete: { id: '555' },
        scopes: ['read', 'activity:read_all'],
      },
    );
  });
  afterAll(() => t.dispose());

  it('reports without changing anything on a dry run', async () => {
    const report = await migrateLegacyTokens(t.db, store, { dryRun: true });
    expect(report).toMatchObject({ dryRun: true, found: 4, migrated: 2, alreadyConnected: 1 });
    expect(report.skipped).toEqual([
      { userId: users.cy, reason: expect.stringContaining('strava_refresh_token') },
    ]);
    expect(await metaOf('ada')).toHaveProperty('strava_access_token', 'legacy-access-ada');
    const { rows } = await t.db.query('select user_id from strava_connections');
    expect(rows).toHaveLength(1);
  });

  it('moves tokens into the encrypted table and out of the metadata, then finds nothing more', async () => {
    const report = await migrateLegacyTokens(t.db, store, { dryRun: false });
    expect(report).toMatchObject({ dryRun: false, found: 4, migrated: 2, alreadyConnected: 1 });
    expect(report.skipped.map((s) => s.userId)).toEqual([users.cy]);

    const ada = await store.load(t.db, users.ada!);
    expect(ada).toMatchObject({
      athleteId: '111',
      scopes: ['read', 'activity:read_all'],
      accessToken: 'legacy-access-ada',
      refreshToken: 'legacy-refresh-ada',
      expiresAt: new Date(1893456000 * 1000),
    });
    expect(await store.load(t.db, users.bo!)).toMatchObject({
      athleteId: '222',
      scopes: [],
      expiresAt: new Date('2030-01-01T00:00:00Z'),
    });
    expect(await store.load(t.db, users.ed!)).toMatchObject({ accessToken: 'new-access-ed' });

    expect(await metaOf('ada')).toEqual({ name: 'Ada' });
    expect(await metaOf('ed')).toEqual({});
    expect(await metaOf('cy')).toEqual({
      strava_access_token: 'only-an-access-token',
      theme: 'dark',
    });
    const raw = await t.db.query<{ access_token_enc: string }>(
      'select access_token_enc from strava_connections',
    );
    expect(raw.rows.map((r) => r.access_token_enc).join()).not.toContain('legacy-access');

    const again = await migrateLegacyTokens(t.db, store, { dryRun: false });
    expect(again).toMatchObject({ found: 1, migrated: 0, alreadyConnected: 0 });
  });
});
