import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TransientError } from '../../src/core/errors.ts';
import type { Database } from '../../src/store/database.ts';
import { createPgDatabase } from '../../src/store/pg-database.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';

const run = promisify(execFile);
const SCRIPT = new URL('../support/lost-connection-process.ts', import.meta.url).pathname;
const TSX = new URL('../../node_modules/.bin/tsx', import.meta.url).pathname;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(25);
  }
}

/**
 * What a failover or a pooler restart does to a connection: its backend is terminated
 * (`pg_terminate_backend`), the server sends FATAL 57P01 and closes the socket.
 */
describe('pg adapter when the server terminates a connection', () => {
  let t: TestDatabase;
  let db: Database;
  let killer: Database;
  const reported: Error[] = [];

  beforeAll(async () => {
    t = await createTestDatabase('postgres', { migrated: false });
    db = createPgDatabase(t.url!, { max: 2, onError: (error) => reported.push(error) });
    killer = createPgDatabase(t.url!, { max: 1 });
    await db.exec('create table marks (id int primary key)');
  });
  afterAll(async () => {
    await db.close();
    await killer.close();
    await t.dispose();
  });
  afterEach(() => {
    reported.length = 0;
  });

  const terminate = (pid: number) => killer.query('select pg_terminate_backend($1)', [pid]);
  const backendPid = async (q: Pick<Database, 'query'>) =>
    (await q.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;

  it('fails a transaction whose connection is terminated between statements with a TransientError', async () => {
    let attempts = 0;
    const failure = await db
      .withTransaction(async (tx) => {
        attempts++;
        await tx.query('insert into marks values (1)');
        await terminate(await backendPid(tx));
        // The FATAL arrives while no statement is running: pg reports it as an 'error' event
        // on the checked-out client, which must not reach the process as an unhandled one.
        await sleep(200);
        await tx.query('insert into marks values (2)');
      })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TransientError);
    expect(failure).toMatchObject({ code: 'database_connection_lost' });
    // Whether the commit happened is unknown once a connection drops: never re-run on its own.
    expect(attempts).toBe(1);
    expect(reported.some((e) => e instanceof TransientError)).toBe(true);

    // The dead connection was destroyed, not handed back to the pool: the next one works.
    await db.withTransaction((tx) => tx.query('insert into marks values (3)'));
    const { rows } = await db.query<{ id: number }>('select id from marks order by id');
    expect(rows.map((r) => r.id)).toEqual([3]);
  });

  it('fails a transaction whose connection is terminated mid-statement with a TransientError', async () => {
    const failure = await db
      .withTransaction(async (tx) => {
        const pid = await backendPid(tx);
        await Promise.all([tx.query('select pg_sleep(10)'), sleep(100).then(() => terminate(pid))]);
      })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TransientError);
    expect(failure).toMatchObject({ code: 'database_connection_lost' });
    await expect(db.withTransaction((tx) => tx.query('select 1'))).resolves.toMatchObject({
      rowCount: 1,
    });
  });

  it('fails a query whose connection is terminated with a TransientError; the next query works', async () => {
    await db.query('select 1'); // at least one idle pooled connection besides the busy one
    const sleeping = db.query('select pg_sleep(10)').catch((error: unknown) => error);
    await waitFor(
      async () =>
        (
          await killer.query(
            `select 1 from pg_stat_activity where datname = current_database() and query = 'select pg_sleep(10)' and state = 'active'`,
          )
        ).rowCount === 1,
    );
    // Every connection but the killer's: the busy one and the idle pooled ones alike.
    await killer.query(
      `select pg_terminate_backend(pid) from pg_stat_activity
       where datname = current_database() and pid <> pg_backend_pid()`,
    );
    const failure = await sleeping;
    expect(failure).toBeInstanceOf(TransientError);
    expect(failure).toMatchObject({ code: 'database_connection_lost' });
    await expect(db.query('select 1 as one')).resolves.toMatchObject({ rows: [{ one: 1 }] });
  });

  it('keeps LISTEN alive across a terminated backend, reporting the loss', async () => {
    const received: string[] = [];
    const unlisten = await db.listen('lost_connection', (payload) => received.push(payload));
    const { rowCount } = await killer.query(
      `select pg_terminate_backend(pid) from pg_stat_activity
       where datname = current_database() and query ilike 'listen%'`,
    );
    expect(rowCount).toBe(1);
    await waitFor(() => reported.length > 0);
    expect(reported[0]).toBeInstanceOf(TransientError);
    expect(reported[0]).toMatchObject({ code: 'database_connection_lost' });
    // Reconnected and listening again: a NOTIFY sent after the loss arrives.
    await waitFor(async () => {
      await killer.query(`select pg_notify('lost_connection', 'again')`);
      return received.includes('again');
    });
    await unlisten();
  });

  it('fails a connection that cannot be made in time with a TransientError', async () => {
    // A port that accepts nothing: the connect attempt is refused.
    const url = new URL(t.url!);
    url.port = '1';
    const unreachable = createPgDatabase(url.toString(), { max: 1 });
    try {
      const failure = await unreachable.query('select 1').catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(TransientError);
      expect(failure).toMatchObject({ code: 'database_unreachable' });
    } finally {
      await unreachable.close();
    }
  });

  it('bounds every statement of a transaction with a statement_timeout', async () => {
    const timeout = await db.withTransaction(
      async (tx) =>
        (await tx.query<{ statement_timeout: string }>('show statement_timeout')).rows[0]!
          .statement_timeout,
    );
    expect(timeout).toBe('1min');
    // A statement past it fails as retryable, and the connection goes on serving.
    const failure = await db
      .withTransaction(async (tx) => {
        await tx.query('set local statement_timeout = 50');
        await tx.query('select pg_sleep(2)');
      })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TransientError);
    expect(failure).toMatchObject({ code: 'database_timeout', cause: { code: '57014' } });
    // Set with SET LOCAL: nothing leaks into the session, which a pooler hands to others.
    const session = await db.query<{ statement_timeout: string }>('show statement_timeout');
    expect(session.rows[0]!.statement_timeout).toBe('0');
  });
});

describe('a process whose database connection is terminated mid-transaction', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('postgres', { migrated: false });
  });
  afterAll(() => t.dispose());

  it('does not crash: the call fails with a TransientError and the next transaction succeeds', async () => {
    const { stdout } = await run(TSX, [SCRIPT, t.url!]);
    expect(JSON.parse(stdout)).toEqual({
      failure: { name: 'TransientError', code: 'database_connection_lost' },
      next: 1,
    });
  });
});
