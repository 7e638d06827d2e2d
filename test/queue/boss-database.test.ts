import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closableBossDatabase, JobQueueClosedError } from '../../src/queue/boss-database.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';

describe('the database port pg-boss runs on', () => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await createTestDatabase('postgres');
  });
  afterAll(() => t.dispose());

  it('answers while open, waits for calls in flight, and refuses calls once closed', async () => {
    const port = closableBossDatabase(t.db);
    expect(await port.executeSql('select $1::int as n', [7])).toMatchObject({ rows: [{ n: 7 }] });

    // A call under way when the queue stops still lands: settle() waits for it.
    const inFlight = port.executeSql('select pg_sleep(0.05), 1 as done');
    await port.settle();
    port.close();
    expect(await inFlight).toMatchObject({ rows: [{ done: 1 }] });

    // A late call (a handler abandoned at shutdown completing its job) is refused with an error
    // that names the cause, never answered with rows pg-boss would then misread.
    const late = port.executeSql(
      'with results as (update pgboss.job set state = $2 where id = any($1)) select count(*) from results',
      [[], 'completed'],
    );
    await expect(late).rejects.toBeInstanceOf(JobQueueClosedError);
    await expect(late).rejects.toThrow(/the job queue has stopped/);
  });
});
