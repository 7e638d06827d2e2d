import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TransientError } from '../../src/core/errors.ts';
import { type JobQueue, QUEUES } from '../../src/queue/job-queue.ts';
import { reapSessions } from '../../src/queue/session-reaper.ts';
import { startSync } from '../../src/queue/start-sync.ts';
import { startWorkers, type WorkerSettings, type Workers } from '../../src/queue/start-workers.ts';
import { createSyncWorker, type SyncJob } from '../../src/queue/sync-worker.ts';
import { sessionStore } from '../../src/store/session-store.ts';
import type { SyncDeps } from '../../src/sync/sync-deps.ts';
import { ADAPTERS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';
import { type StravaHarness, startStravaHarness } from '../support/strava-harness.ts';
import { eventTypes, simRunIds, storedIds, syncDeps } from '../sync/sync-harness.ts';
import {
  FAST_RETRY,
  jobsOf,
  openTestQueue,
  sessionStatus,
  TEST_WORKER,
  waitFor,
} from './queue-harness.ts';

describe.each(ADAPTERS)('the sync worker on %s against the simulator', (kind) => {
  let t: TestDatabase;
  let h: StravaHarness;
  let queue: JobQueue;
  let userId: string;
  let workers: Workers | undefined;

  const work = async (deps: SyncDeps, settings: Partial<WorkerSettings> = {}) => {
    workers = await startWorkers(deps, {
      ...TEST_WORKER,
      owner: 'test-worker',
      syncRetry: FAST_RETRY,
      ...settings,
    });
    return workers;
  };
  const start = () => startSync(t.db, queue, { userId, kind: 'backfill', correlationId: 'test' });
  const completed = (sessionId: string) =>
    waitFor('the session to complete', async () => {
      const status = await sessionStatus(t.db, sessionId);
      if (status === 'failed') throw new Error('the session failed');
      return status === 'completed';
    });
  const fetchSyncJob = async () =>
    (await queue.boss.fetch<SyncJob['data']>(QUEUES.sync, { includeMetadata: true }))[0];

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    h = await startStravaHarness(t.db, { activityCount: 260 });
    queue = await openTestQueue(t.db);
  });
  beforeEach(async () => {
    h.sim.reset();
    await t.db.exec(
      `delete from strava_connections; delete from activities; delete from sync_sessions;
       delete from api_budget; delete from pgboss.job;`,
    );
    userId = await insertUser(t.db);
    await h.connect(userId);
  });
  afterEach(async () => {
    await workers?.stop(1000);
    workers = undefined;
  });
  afterAll(async () => {
    await queue.stop({ timeoutMs: 0 });
    await h.close();
    await t.dispose();
  });

  it('runs a backfill to completion: every run stored once, the job done', async () => {
    await work(syncDeps(t.db, h));
    const { session, jobId } = await start();
    await completed(session.id);
    expect(await storedIds(t.db, userId)).toEqual(simRunIds(h));
    const [job] = await waitFor('the job to be completed', async () => {
      const jobs = await jobsOf(t.db, QUEUES.sync, userId);
      return jobs[0]?.state === 'completed' && jobs;
    });
    expect(job).toMatchObject({ id: jobId, retry_count: 0, output: { outcome: 'completed' } });
  });

  it('takes a new sync at once, woken by the job bell, though it polls once a minute', async () => {
    await work(syncDeps(t.db, h), { pollingIntervalS: 60 });
    // Its first poll, at start, found nothing: the next is a minute away.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const { session } = await start();
    await waitFor(
      'a worker to take the sync',
      async () => (await sessionStatus(t.db, session.id)) !== 'queued',
      15_000,
    );
    await completed(session.id);
    expect(await storedIds(t.db, userId)).toEqual(simRunIds(h));
  });

  it('hands the session to a new job at each deadline until it is done', async () => {
    // A deadline already reached: each job stores one slice, checkpoints and hands off.
    await work(syncDeps(t.db, h), { jobDeadlineMs: 0, perPage: 50 });
    const { session } = await start();
    await completed(session.id);
    expect(await storedIds(t.db, userId)).toEqual(simRunIds(h));
    const slices = Math.ceil(260 / 50);
    const jobs = await waitFor('the last job to be completed', async () => {
      const all = await jobsOf(t.db, QUEUES.sync, userId);
      return all.every((j) => j.state === 'completed') && all;
    });
    expect(jobs.map((j) => j.output)).toEqual([
      ...Array.from({ length: slices - 1 }, () => ({ handedOff: true })),
      { outcome: 'completed' },
    ]);
    const events = await eventTypes(t.db, session.id);
    expect(events.filter((e) => e === 'sync:yielded')).toHaveLength(slices - 1);
    expect(events.filter((e) => e === 'slice:stored')).toHaveLength(slices);
  });

  it('parks on a spent budget: the next job waits for resume_at, then the sync finishes', async () => {
    h.sim.rateLimiter().limits.read.fifteenMinute = 3;
    const worker = createSyncWorker(syncDeps(t.db, h), queue, {
      owner: 'w',
      jobDeadlineMs: 60_000,
      leaseTtlMs: TEST_WORKER.leaseTtlMs,
      perPage: 50,
    });
    const { session, jobId } = await start();
    const first = await fetchSyncJob();
    expect(await worker.handle(first as SyncJob)).toEqual({ outcome: 'rate_limited' });
    const parked = await sessionStore.get(t.db, session.id);
    expect(parked).toMatchObject({ status: 'rate_limited', lease_owner: null });
    const [done, next] = await jobsOf(t.db, QUEUES.sync, userId);
    expect(done).toMatchObject({ id: jobId, state: 'completed', output: { handedOff: true } });
    expect(next).toMatchObject({ state: 'created', singleton_key: userId });
    expect(next?.start_after).toEqual(parked?.resume_at);

    // Each window: the clock reaches the job's start, a worker takes it, until the end.
    for (let window = 0; window < 20; window++) {
      const job = await fetchSyncJob();
      if (!job) break;
      h.clock.set((job.startAfter as Date).getTime() + 1000);
      await worker.handle(job);
    }
    expect(await sessionStatus(t.db, session.id)).toBe('completed');
    expect(await storedIds(t.db, userId)).toEqual(simRunIds(h));
    expect(h.sim.inspect().byEndpoint['GET /api/v3/athlete/activities']?.['429']).toBeUndefined();
  });

  it('a transient failure is retried by the queue with backoff and the sync goes on', async () => {
    let pages = 0;
    const client = {
      ...h.client,
      async listActivities(token: string, params: Parameters<typeof h.client.listActivities>[1]) {
        pages++;
        if (pages === 2) {
          throw new TransientError({
            code: 'strava_unavailable',
            userMessage: 'Strava is not answering right now.',
          });
        }
        return h.client.listActivities(token, params);
      },
    };
    await work(syncDeps(t.db, h, { strava: { client, tokens: h.tokens, connections: h.store } }), {
      perPage: 100,
    });
    const { session, jobId } = await start();
    await completed(session.id);
    expect(await storedIds(t.db, userId)).toEqual(simRunIds(h));
    expect(await eventTypes(t.db, session.id)).toContain('sync:retrying');
    const [job] = await waitFor('the job to be completed', async () => {
      const jobs = await jobsOf(t.db, QUEUES.sync, userId);
      return jobs[0]?.state === 'completed' && jobs;
    });
    expect(job).toMatchObject({ id: jobId, retry_count: 1 });
  });

  it('after the last retry the session fails with the error that kept coming back', async () => {
    const client = {
      ...h.client,
      async listActivities(): Promise<never> {
        throw new TransientError({
          code: 'strava_unavailable',
          userMessage: 'Strava is not answering right now.',
        });
      },
    };
    const deps = syncDeps(t.db, h, { strava: { client, tokens: h.tokens, connections: h.store } });
    const worker = createSyncWorker(deps, queue, {
      owner: 'w',
      jobDeadlineMs: 60_000,
      leaseTtlMs: TEST_WORKER.leaseTtlMs,
    });
    const { session } = await start();
    const job = (await fetchSyncJob()) as SyncJob;
    await expect(worker.handle(job)).rejects.toThrow('strava_unavailable');
    expect(await sessionStatus(t.db, session.id)).toBe('queued');
    await expect(worker.handle({ ...job, retryCount: job.retryLimit })).rejects.toThrow(
      'strava_unavailable',
    );
    expect(await sessionStore.get(t.db, session.id)).toMatchObject({
      status: 'failed',
      error_code: 'strava_unavailable',
      error_message: 'Strava is not answering right now.',
    });
    expect((await eventTypes(t.db, session.id)).at(-1)).toBe('sync:failed');
  });

  it('the reaper hands on the session of a worker that died, once its lease runs out', async () => {
    const { session } = await start();
    // A worker took the job and the session, then died: the job stays active, the lease held.
    await fetchSyncJob();
    await sessionStore.claim(t.db, session.id, 'dead-worker', h.clock.now(), 60_000);
    expect(await reapSessions(t.db, queue, h.clock.now())).toEqual([]);

    h.clock.advance(61_000);
    const reaped = await reapSessions(t.db, queue, h.clock.now());
    expect(reaped).toMatchObject([{ sessionId: session.id, status: 'running' }]);
    expect(reaped[0]?.jobId).toEqual(expect.any(String));
    // Reaping again (another worker's reaper) queues nothing more.
    expect(await reapSessions(t.db, queue, h.clock.now())).toEqual([]);

    await work(syncDeps(t.db, h));
    await completed(session.id);
    expect(await storedIds(t.db, userId)).toEqual(simRunIds(h));
    // The dead worker's job stays active until pg-boss expires it. (The new worker's own first
    // reap may catch its job between fetch and claim and queue one more: that one finds the
    // session ended and does nothing.)
    const jobs = await waitFor('every other job to end', async () => {
      const all = await jobsOf(t.db, QUEUES.sync, userId);
      return all.slice(1).every((j) => j.state === 'completed') && all;
    });
    expect(jobs[0]?.state).toBe('active');
    expect(jobs[1]?.output).toEqual({ outcome: 'completed' });
    for (const extra of jobs.slice(2))
      expect(extra.output).toEqual({ outcome: 'no_active_session' });
  });

  it('the reaper re-queues a parked session whose job was lost, to start at resume_at', async () => {
    const { session } = await start();
    await t.db.exec('delete from pgboss.job');
    const resumeAt = new Date(h.clock.now() + 15 * 60_000);
    await sessionStore.claim(t.db, session.id, 'w', h.clock.now(), 60_000);
    await t.db.withTransaction((tx) =>
      sessionStore.release(tx, session.id, 'w', 'rate_limited', { resumeAt }),
    );
    const reaped = await reapSessions(t.db, queue, h.clock.now());
    expect(reaped).toMatchObject([{ sessionId: session.id, status: 'rate_limited' }]);
    const [job] = await jobsOf(t.db, QUEUES.sync, userId);
    expect(job).toMatchObject({ state: 'created', start_after: resumeAt });
  });
});
