import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_BELL_CHANNEL, ringJobBell } from '../../src/queue/job-bell.ts';
import { type JobQueue, QUEUES } from '../../src/queue/job-queue.ts';
import { sendStravaEvent } from '../../src/queue/strava-event-job.ts';
import { sendSyncJob } from '../../src/queue/sync-job.ts';
import type { Unlisten } from '../../src/store/database.ts';
import { ADAPTERS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { openTestQueue, waitFor } from './queue-harness.ts';

/**
 * The job bell rings for a job a worker can take now, when the job can be seen: at the commit
 * of the transaction that sent it, never for one rolled back, held back or already waiting. What
 * did not ring is shown by a marker rung after it: rings arrive in commit order, so once the
 * marker is heard, everything before it has been.
 */
describe.each(ADAPTERS)('the job bell on %s', (kind) => {
  let t: TestDatabase;
  let queue: JobQueue;
  let unlisten: Unlisten;
  const heard: string[] = [];
  let user = 0;
  const nextUser = () => `00000000-0000-4000-8000-${String(++user).padStart(12, '0')}`;

  /** Rings a marker and returns what was heard up to it, the marker left out; starts afresh. */
  const heardUntilMarker = async () => {
    await ringJobBell(t.db, QUEUES.weatherBackfill);
    await waitFor('the marker', async () => heard.at(-1) === QUEUES.weatherBackfill);
    return heard.splice(0).slice(0, -1);
  };

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    queue = await openTestQueue(t.db);
    unlisten = await t.db.listen(JOB_BELL_CHANNEL, (queueName) => heard.push(queueName));
  });
  afterAll(async () => {
    await unlisten();
    await queue.stop({ timeoutMs: 0 });
    await t.dispose();
  });

  it('rings for a sync job at the commit that sends it, not before', async () => {
    await t.db.withTransaction(async (tx) => {
      expect(await sendSyncJob(queue, tx, { userId: nextUser(), correlationId: 'c' })).not.toBe(
        null,
      );
      // Still inside: nothing heard yet.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(heard).toEqual([]);
    });
    expect(await heardUntilMarker()).toEqual([QUEUES.sync]);
  });

  it('stays silent for a job rolled back, held back, or already queued', async () => {
    const rollback = new Error('rolled back');
    await expect(
      t.db.withTransaction(async (tx) => {
        await sendSyncJob(queue, tx, { userId: nextUser(), correlationId: 'c' });
        throw rollback;
      }),
    ).rejects.toBe(rollback);
    const heldBack = await sendSyncJob(
      queue,
      t.db,
      { userId: nextUser(), correlationId: 'c' },
      { startAfter: new Date(Date.now() + 60_000) },
    );
    expect(heldBack).not.toBeNull();
    const waiting = { userId: nextUser(), correlationId: 'c' };
    expect(await sendSyncJob(queue, t.db, waiting)).not.toBeNull();
    expect(await sendSyncJob(queue, t.db, waiting)).toBeNull();
    expect(await heardUntilMarker()).toEqual([QUEUES.sync]);
  });

  it('rings for a webhook event once, not for the same event again while it waits', async () => {
    const event = {
      aspect_type: 'create',
      object_type: 'activity',
      object_id: '12345678901',
      owner_id: '4242',
      subscription_id: '1',
      event_time: 1_760_000_000,
      updates: {},
    } as const;
    expect(await sendStravaEvent(queue, t.db, event, 'request-1')).not.toBeNull();
    expect(await sendStravaEvent(queue, t.db, event, 'request-2')).toBeNull();
    expect(await heardUntilMarker()).toEqual([QUEUES.stravaEvent]);
  });
});
