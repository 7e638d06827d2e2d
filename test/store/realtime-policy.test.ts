import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { asRole, insertUser } from '../support/seed.ts';

/**
 * Supabase Realtime authorizes joining a private channel by setting `realtime.topic` to the
 * channel's topic and checking that the user may select from `realtime.messages`.
 */
describe.each(ADAPTERS)('who may join a progress topic, on %s', (kind) => {
  let t: TestDatabase;
  let alice: string;
  let bob: string;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
    alice = await insertUser(t.db);
    bob = await insertUser(t.db);
    await t.db.query(
      `insert into realtime.messages (topic, payload, event) values ($1, '{}', 'progress')`,
      [`sync:${alice}`],
    );
  });
  afterAll(() => t.dispose());

  const canJoin = (userId: string, topic: string) =>
    asRole(
      t.db,
      'authenticated',
      async (tx) => {
        await tx.query(`select set_config('realtime.topic', $1, true)`, [topic]);
        return (await tx.query('select 1 from realtime.messages')).rowCount > 0;
      },
      { sub: userId, role: 'authenticated' },
    );

  it('lets a user join their own topic only', async () => {
    expect(await canJoin(alice, `sync:${alice}`)).toBe(true);
    expect(await canJoin(bob, `sync:${alice}`)).toBe(false);
    expect(await canJoin(alice, `sync:${bob}`)).toBe(false);
  });
});
