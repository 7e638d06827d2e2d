import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JobQueue, QUEUE_SCHEMA, QUEUES } from '../../src/queue/job-queue.ts';
import { sendSyncJob } from '../../src/queue/sync-job.ts';
import { ADAPTERS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { asRole } from '../support/seed.ts';
import { jobsOf, openTestQueue } from './queue-harness.ts';

const PERMISSION_DENIED = { code: '42501' };

describe.each(ADAPTERS)('the job queue on %s', (kind) => {
  let t: TestDatabase;
  let queue: JobQueue;
  let publicTablesBefore: string[];
  const publicTables = async () =>
    (
      await t.db.query<{ tablename: string }>(
        `select tablename from pg_tables where schemaname = 'public' order by tablename`,
      )
    ).rows.map((r) => r.tablename);

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    publicTablesBefore = await publicTables();
    queue = await openTestQueue(t.db);
  });
  afterAll(async () => {
    await queue.stop({ timeoutMs: 0 });
    await t.dispose();
  });

  it('installs pg-boss in its own schema over our database port, with our queues', async () => {
    expect(await queue.boss.schemaVersion()).toBeGreaterThan(0);
    expect(await publicTables()).toEqual(publicTablesBefore);
    const queues = await queue.boss.getQueues();
    expect(Object.fromEntries(queues.map((q) => [q.name, q.policy]))).toEqual({
      [QUEUES.sync]: 'short',
      [QUEUES.stravaEvent]: 'short',
      [QUEUES.weatherBackfill]: 'short',
      [QUEUES.reconcile]: 'short',
      [QUEUES.incrementalSync]: 'short',
    });
    // Opening it again (another process starting) changes nothing and does not fail.
    const again = await openTestQueue(t.db);
    await again.stop({ timeoutMs: 0 });
    expect(await queue.boss.getQueues()).toHaveLength(queues.length);
    // A queue made by an older version with another policy gets the one defined now.
    await queue.boss.updateQueue(QUEUES.stravaEvent, {
      name: QUEUES.stravaEvent,
      policy: 'standard',
    });
    const upgraded = await openTestQueue(t.db);
    await upgraded.stop({ timeoutMs: 0 });
    expect((await queue.boss.getQueue(QUEUES.stravaEvent))?.policy).toBe('short');
  });

  it.each(['anon', 'authenticated'] as const)('gives %s nothing in its schema', async (role) => {
    const claims = { role, sub: '00000000-0000-4000-8000-000000000001' };
    await expect(
      asRole(t.db, role, (tx) => tx.query(`select * from ${QUEUE_SCHEMA}.job`), claims),
    ).rejects.toMatchObject(PERMISSION_DENIED);
    await expect(
      asRole(
        t.db,
        role,
        (tx) => tx.query(`select ${QUEUE_SCHEMA}.create_queue('x', '{}')`),
        claims,
      ),
    ).rejects.toMatchObject(PERMISSION_DENIED);
    const { rows } = await t.db.query<{ usage: boolean }>(
      'select has_schema_privilege($1, $2, $3) as usage',
      [role, QUEUE_SCHEMA, 'USAGE'],
    );
    expect(rows[0]?.usage).toBe(false);
  });

  it('keeps one queued sync job per user, and an active job holds up no one', async () => {
    const a = { userId: '00000000-0000-4000-8000-00000000000a', correlationId: 'a' };
    const b = { userId: '00000000-0000-4000-8000-00000000000b', correlationId: 'b' };
    const first = await sendSyncJob(queue, t.db, a);
    expect(first).not.toBeNull();
    expect(await sendSyncJob(queue, t.db, a)).toBeNull();
    const [active] = await queue.boss.fetch(QUEUES.sync);
    expect(active?.id).toBe(first);
    // With A's job active, A may queue one more, and both A's and B's queued jobs can be taken.
    const second = await sendSyncJob(queue, t.db, a);
    const other = await sendSyncJob(queue, t.db, b);
    const fetched = await queue.boss.fetch(QUEUES.sync, { batchSize: 5 });
    expect(fetched.map((j) => j.id).sort()).toEqual([second, other].sort());
    expect((await jobsOf(t.db, QUEUES.sync, a.userId)).map((j) => j.state)).toEqual([
      'active',
      'active',
    ]);
  });

  // Why `sync` is not a `stately` queue: in pg-boss 10.4 one user with a job active and one
  // queued stalls every other user's jobs until the active one ends.
  it('shows the stall a stately queue would have', async () => {
    await queue.boss.createQueue('stately-probe', { name: 'stately-probe', policy: 'stately' });
    const activeA = await queue.boss.send('stately-probe', {}, { singletonKey: 'a' });
    expect((await queue.boss.fetch('stately-probe')).map((j) => j.id)).toEqual([activeA]);
    await queue.boss.send('stately-probe', {}, { singletonKey: 'a' });
    const readyB = await queue.boss.send('stately-probe', {}, { singletonKey: 'b' });
    expect(await queue.boss.fetch('stately-probe')).toEqual([]);
    expect(await queue.boss.fetch('stately-probe', { batchSize: 5 })).toEqual([]);
    await queue.boss.complete('stately-probe', activeA as string, {});
    const after = await queue.boss.fetch('stately-probe', { batchSize: 5 });
    expect(after.map((j) => j.id)).toContain(readyB);
  });
});
