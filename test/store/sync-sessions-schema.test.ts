import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';

describe.each(ADAPTERS)('sync_sessions constraints on %s', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(() => t.dispose());

  const insertSession = (userId: string, status = 'queued', resumeAt: Date | null = null) =>
    t.db.query<{ id: string }>(
      `insert into sync_sessions (user_id, kind, status, resume_at, correlation_id)
       values ($1, 'backfill', $2, $3, 'c') returning id`,
      [userId, status, resumeAt],
    );

  it.each(['queued', 'running', 'rate_limited'])(
    'rejects a second active session while one is %s',
    async (status) => {
      const user = await insertUser(t.db);
      await insertSession(user, status, new Date());
      await expect(insertSession(user)).rejects.toMatchObject({
        code: '23505',
        constraint: 'sync_sessions_one_active_per_user',
      });
    },
  );

  it('allows a new session once the active one has ended, and any number of ended ones', async () => {
    const user = await insertUser(t.db);
    const first = await insertSession(user);
    await t.db.query(`update sync_sessions set status = 'completed' where id = $1`, [
      first.rows[0]!.id,
    ]);
    await insertSession(user, 'failed');
    await insertSession(user, 'cancelled');
    await insertSession(user);
    const { rows } = await t.db.query<{ status: string }>(
      'select status from sync_sessions where user_id = $1 order by status',
      [user],
    );
    expect(rows.map((r) => r.status)).toEqual(['cancelled', 'completed', 'failed', 'queued']);
  });

  it('lets two users each have an active session', async () => {
    await insertSession(await insertUser(t.db));
    await insertSession(await insertUser(t.db));
  });

  it('refuses a rate-limited session without resume_at and an unknown status', async () => {
    const user = await insertUser(t.db);
    await expect(insertSession(user, 'rate_limited')).rejects.toMatchObject({ code: '23514' });
    await expect(insertSession(user, 'paused')).rejects.toMatchObject({ code: '23514' });
  });
});
