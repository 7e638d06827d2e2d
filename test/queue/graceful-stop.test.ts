import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_LEASE_TTL_MS } from '../../src/config/defaults.ts';
import { type JobQueue, QUEUES } from '../../src/queue/job-queue.ts';
import { startSync } from '../../src/queue/start-sync.ts';
import { startWorkers, type Workers } from '../../src/queue/start-workers.ts';
import { sessionStore } from '../../src/store/session-store.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { ADAPTERS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';
import { type StravaHarness, startStravaHarness } from '../support/strava-harness.ts';
import { eventTypes, simRunIds, startSession, storedIds, syncDeps } from '../sync/sync-harness.ts';
import { jobsOf, openTestQueue, sessionStatus, TEST_WORKER, waitFor } from './queue-harness.ts';

const ACTIVITIES = 300;
const PER_PAGE = 50;

describe.each(ADAPTERS)('a worker stopping mid-backfill on %s', (kind) => {
  let t: TestDatabase;
  let h: StravaHarness;
  let queue: JobQueue;
  let userId: string;
  const running: Workers[] = [];

  /**
   * The Strava client, with page `holdPage` of the listing held until `release()`: the test stops
   * the worker while that slice is under way.
   */
  const heldClient = (holdPage: number) => {
    let pages = 0;
    let requested!: () => void;
    let release!: () => void;
    const pageRequested = new Promise<void>((resolve) => {
      requested = resolve;
    });
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const client = {
      ...h.client,
      listActivities: async (
        token: string,
        params: Parameters<typeof h.client.listActivities>[1],
      ) => {
        pages += 1;
        if (pages === holdPage) {
          requested();
          await released;
        }
        return h.client.listActivities(token, params);
      },
    };
    return { client, pageRequested, release };
  };

  const work = async (owner: string, client = h.client) => {
    const workers = await startWorkers(
      syncDeps(t.db, h, { strava: { client, tokens: h.tokens, connections: h.store } }),
      {
        ...TEST_WORKER,
        owner,
        perPage: PER_PAGE,
        // A deadline far away: only the stop can end a job early.
        jobDeadlineMs: 10 * 60_000,
      },
    );
    running.push(workers);
    return workers;
  };

  const slicesStored = async (sessionId: string) =>
    (await eventTypes(t.db, sessionId)).filter((type) => type === 'slice:stored').length;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    h = await startStravaHarness(t.db, { activityCount: ACTIVITIES });
    // Installs pg-boss's schema, which the clean-up below empties between tests.
    queue = await openTestQueue(t.db);
  });
  beforeEach(async () => {
    await t.db.exec(
      `delete from strava_connections; delete from activities; delete from sync_sessions;
       delete from api_budget; delete from pgboss.job;`,
    );
    h.sim.reset();
    userId = await insertUser(t.db);
    await h.connect(userId);
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((workers) => workers.stop(1000)));
  });
  afterAll(async () => {
    await queue.stop({ timeoutMs: 0 });
    await h.close();
    await t.dispose();
  });

  it('saves the slice under way, hands the session to a new job at once, and a new worker finishes it exactly', async () => {
    const held = heldClient(3);
    const first = await work('worker-stopping', held.client);
    const { session, jobId } = await startSync(t.db, first.queue, {
      userId,
      kind: 'backfill',
      correlationId: 'graceful-stop',
    });
    await held.pageRequested;
    // The stop signal goes out at once; the third page answers only after it.
    const stopped = first.stop(20_000);
    held.release();
    await stopped;

    const parked = await sessionStore.get(t.db, session.id);
    expect(parked).toMatchObject({
      status: 'queued',
      lease_owner: null,
      checkpoint: { cursor: expect.any(Object) },
    });
    // The held third slice was stored and checkpointed before the run yielded.
    expect(await slicesStored(session.id)).toBe(3);
    const events = await eventTypes(t.db, session.id);
    expect(events.slice(-2)).toEqual(['slice:stored', 'sync:yielded']);
    const { rows } = await t.db.query<{ payload: unknown }>(
      `select payload from sync_events where session_id = $1 and type = 'sync:yielded'`,
      [session.id],
    );
    expect(rows.map((r) => r.payload)).toEqual([{ reason: 'stopping' }]);
    // Handed off in one transaction: the stopped job is done, its successor waits to be fetched.
    const jobs = await jobsOf(t.db, QUEUES.sync, userId);
    expect(jobs.map((j) => [j.id === jobId, j.state, j.output])).toEqual([
      [true, 'completed', { handedOff: true }],
      [false, 'created', null],
    ]);

    await work('worker-resuming');
    await waitFor('the backfill to complete', async () => {
      const status = await sessionStatus(t.db, session.id);
      if (status === 'failed') throw new Error('the session failed');
      return status === 'completed';
    });
    expect(await storedIds(t.db, userId)).toEqual(simRunIds(h));
    const done = await sessionStore.get(t.db, session.id);
    expect(done).toMatchObject({ activities_listed: ACTIVITIES, checkpoint: { cursor: null } });
    // Two runs in all: the stopped one, and one that resumed from its checkpoint (and listed
    // nothing twice: each of the 300 activities was counted once).
    const { rows: starts } = await t.db.query<{ payload: unknown }>(
      `select payload from sync_events where session_id = $1 and type = 'sync:started' order by id`,
      [session.id],
    );
    expect(starts.map((r) => r.payload)).toEqual([
      { kind: 'backfill', resumed: false },
      { kind: 'backfill', resumed: true },
    ]);
  });

  it('yields before the first slice when the run starts already stopping', async () => {
    const sessionRow = await startSession(t.db, userId);
    const stopping = new AbortController();
    stopping.abort();
    const outcome = await runSync(syncDeps(t.db, h), {
      sessionId: sessionRow.id,
      owner: 'stopping-run',
      deadlineMs: Number.MAX_SAFE_INTEGER,
      leaseTtlMs: DEFAULT_LEASE_TTL_MS,
      signal: stopping.signal,
    });
    expect(outcome).toEqual({ status: 'yielded' });
    expect(await sessionStore.get(t.db, sessionRow.id)).toMatchObject({
      status: 'queued',
      activities_listed: 0,
      lease_owner: null,
    });
    expect(await slicesStored(sessionRow.id)).toBe(0);
  });
});
