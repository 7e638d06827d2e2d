import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, createTestDatabase, type TestDatabase } from '../support/databases.ts';

describe.each(ADAPTERS)('database port on %s', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(kind, { migrated: false });
    await t.db.exec('create table counters (id int primary key, n int not null default 0)');
    await t.db.query('insert into counters (id) values (1), (2)');
  });
  afterAll(() => t.dispose());

  it('returns values the same way on both adapters', async () => {
    const { rows } = await t.db.query<Record<string, unknown>>(
      `select 987654321234567891::bigint as big, 1.10::numeric as num,
              '2025-10-19 16:00:00'::timestamp as local, '2025-10-19T20:00:00Z'::timestamptz as utc,
              '2025-10-19'::date as day, '{"a":[1,null]}'::jsonb as doc, array['a','b'] as tags,
              $1::text as param`,
      ['x'],
    );
    expect(rows[0]).toEqual({
      big: '987654321234567891',
      num: '1.10',
      local: '2025-10-19T16:00:00',
      utc: new Date('2025-10-19T20:00:00Z'),
      day: '2025-10-19',
      doc: { a: [1, null] },
      tags: ['a', 'b'],
      param: 'x',
    });
  });

  it('counts rows for selects and for writes alike', async () => {
    expect((await t.db.query('select * from counters')).rowCount).toBe(2);
    expect((await t.db.query('update counters set n = n where id > 0')).rowCount).toBe(2);
  });

  it('commits a transaction that resolves and rolls back one that throws', async () => {
    await t.db.withTransaction((tx) => tx.query('update counters set n = 10 where id = 1'));
    await expect(
      t.db.withTransaction(async (tx) => {
        await tx.query('update counters set n = 99 where id = 1');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const { rows } = await t.db.query<{ n: number }>('select n from counters where id = 1');
    expect(rows[0]?.n).toBe(10);
  });

  it('re-runs a transaction after a serialization failure', async () => {
    let attempts = 0;
    const result = await t.db.withTransaction(async (tx) => {
      attempts++;
      await tx.query('update counters set n = n + 1 where id = 2');
      if (attempts === 1) {
        await tx.query(`do $$ begin raise exception 'conflict' using errcode = '40001'; end $$`);
      }
      return (await tx.query<{ n: number }>('select n from counters where id = 2')).rows[0]?.n;
    });
    expect(attempts).toBe(2);
    expect(result).toBe(1);
  });

  it('does not re-run a transaction after any other error', async () => {
    let attempts = 0;
    await expect(
      t.db.withTransaction(async (tx) => {
        attempts++;
        await tx.query('insert into counters (id) values (1)');
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(attempts).toBe(1);
  });

  it('delivers NOTIFY to listeners until they unlisten', async () => {
    const received: string[] = [];
    const unlisten = await t.db.listen('stridesync_test', (payload) => received.push(payload));
    await t.db.query(`select pg_notify('stridesync_test', 'one')`);
    await waitFor(() => received.length === 1);
    await unlisten();
    await t.db.query(`select pg_notify('stridesync_test', 'two')`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(received).toEqual(['one']);
  });
});

describe('database port on postgres under contention', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('postgres', { migrated: false });
    await t.db.exec('create table accounts (id int primary key, balance int not null)');
    await t.db.query('insert into accounts values (1, 0), (2, 0)');
  });
  afterAll(() => t.dispose());

  it('survives a real deadlock by re-running the losing transaction', async () => {
    let attempts = 0;
    let bothLocked!: () => void;
    const firstLocksHeld = new Promise<void>((resolve) => {
      let held = 0;
      bothLocked = () => {
        if (++held === 2) resolve();
      };
    });
    // Each transaction locks one row, waits until the other has too, then reaches for the
    // other's row: Postgres detects the deadlock and aborts one of them.
    const transfer = (from: number, to: number) =>
      t.db.withTransaction(async (tx) => {
        attempts++;
        await tx.query('update accounts set balance = balance - 1 where id = $1', [from]);
        if (attempts <= 2) {
          bothLocked();
          await firstLocksHeld;
        }
        await tx.query('update accounts set balance = balance + 1 where id = $1', [to]);
      });
    await Promise.all([transfer(1, 2), transfer(2, 1)]);
    expect(attempts).toBe(3);
    const { rows } = await t.db.query<{ balance: number }>(
      'select balance from accounts order by id',
    );
    expect(rows.map((r) => r.balance)).toEqual([0, 0]);
  });
});

describe('LISTEN on postgres after its connection drops', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('postgres', { migrated: false });
  });
  afterAll(() => t.dispose());

  it('reconnects and listens again', async () => {
    const received: string[] = [];
    await t.db.listen('stridesync_relisten', (payload) => received.push(payload));
    const killed = await t.db.query(
      `select pg_terminate_backend(pid) from pg_stat_activity
       where datname = current_database() and pid <> pg_backend_pid() and query ilike 'listen%'`,
    );
    expect(killed.rowCount).toBe(1);
    // Notify until the reconnected listener hears one: notifications sent while it was down are lost.
    await waitFor(
      () => received.length > 0,
      10_000,
      () => t.db.query(`select pg_notify('stridesync_relisten', 'after')`),
    );
    expect(received[0]).toBe('after');
  });
});

async function waitFor(
  condition: () => boolean,
  timeoutMs = 2000,
  eachTry: () => Promise<unknown> = async () => {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await eachTry();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
