import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type JobQueue, QUEUES } from '../../src/queue/job-queue.ts';
import { startSync } from '../../src/queue/start-sync.ts';
import type { Database } from '../../src/store/database.ts';
import { ADAPTERS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';
import { jobsOf, openTestQueue } from './queue-harness.ts';

describe.each(ADAPTERS)('starting a sync on %s', (kind) => {
  let t: TestDatabase;
  let queue: JobQueue;
  let userId: string;
  const sessionsOf = async (user: string) =>
    (await t.db.query('select id from sync_sessions where user_id = $1', [user])).rows;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    queue = await openTestQueue(t.db);
  });
  beforeEach(async () => {
    userId = await insertUser(t.db);
  });
  afterAll(async () => {
    await queue.stop({ timeoutMs: 0 });
    await t.dispose();
  });

  it('writes the session and its job in one transaction: rolled back, neither exists', async () => {
    // The process dies after both writes, before the commit.
    const crashing: Database = {
      ...t.db,
      withTransaction: (fn) =>
        t.db.withTransaction(async (tx) => {
          await fn(tx);
          throw new Error('crashed before commit');
        }),
    };
    const input = { userId, kind: 'backfill', correlationId: 'corr-1' } as const;
    await expect(startSync(crashing, queue, input)).rejects.toThrow('crashed before commit');
    expect(await sessionsOf(userId)).toEqual([]);
    expect(await jobsOf(t.db, QUEUES.sync, userId)).toEqual([]);

    const started = await startSync(t.db, queue, input);
    expect(started).toMatchObject({
      created: true,
      session: { status: 'queued', user_id: userId },
    });
    const jobs = await jobsOf(t.db, QUEUES.sync, userId);
    expect(jobs).toMatchObject([
      { id: started.jobId, state: 'created', data: { userId, correlationId: 'corr-1' } },
    ]);
  });

  it('many starts at once for one user: one session, one job', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        startSync(t.db, queue, { userId, kind: 'backfill', correlationId: `c${i}` }),
      ),
    );
    expect(new Set(results.map((r) => r.session.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(results.filter((r) => r.jobId !== null)).toHaveLength(1);
    expect(await jobsOf(t.db, QUEUES.sync, userId)).toHaveLength(1);
  });

  it('a start while a sync is active returns that sync and queues nothing', async () => {
    const first = await startSync(t.db, queue, { userId, kind: 'backfill', correlationId: 'a' });
    const second = await startSync(t.db, queue, {
      userId,
      kind: 'incremental',
      correlationId: 'b',
    });
    expect(second).toMatchObject({
      created: false,
      jobId: null,
      session: { id: first.session.id },
    });
    expect(await jobsOf(t.db, QUEUES.sync, userId)).toHaveLength(1);
  });
});
