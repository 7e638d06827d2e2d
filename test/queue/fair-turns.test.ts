import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JobQueue, QUEUES } from '../../src/queue/job-queue.ts';
import { reapSessions } from '../../src/queue/session-reaper.ts';
import { startSync } from '../../src/queue/start-sync.ts';
import { createSyncWorker, type SyncJob } from '../../src/queue/sync-worker.ts';
import { sessionStore } from '../../src/store/session-store.ts';
import { ADAPTERS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';
import { type StravaHarness, startStravaHarness } from '../support/strava-harness.ts';
import { syncDeps } from '../sync/sync-harness.ts';
import { jobsOf, openTestQueue, sessionStatus, TEST_WORKER } from './queue-harness.ts';

const WINDOW_MS = 15 * 60_000;
const READS_PER_WINDOW = 5;
const PER_PAGE = 50;

/**
 * Fair turns when the shared Strava budget is the limit: a large backfill that got the queue
 * first, and a small runner whose sync was queued after it. One worker takes the jobs in the
 * order pg-boss hands them out (`fetch` orders as `work` does: priority, then age), the clock
 * jumping to each parked job's `resume_at`. Without the priority, the large session's job,
 * parked first, was fetched first at every reset and spent the whole window, and the small
 * runner waited for the whole backfill.
 */
describe.each(ADAPTERS)('fair turns on a spent Strava budget, on %s', (kind) => {
  let t: TestDatabase;
  let h: StravaHarness;
  let queue: JobQueue;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    h = await startStravaHarness(t.db, {
      sim: {
        athletes: [
          { seed: 'fair-large', activityCount: 1_500, years: 6 },
          { seed: 'fair-small', activityCount: 60, years: 1 },
        ],
      },
    });
    h.sim.rateLimiter().limits.read.fifteenMinute = READS_PER_WINDOW;
    queue = await openTestQueue(t.db);
  });
  afterAll(async () => {
    await queue.stop({ timeoutMs: 0 });
    await h.close();
    await t.dispose();
  });

  it('a small runner queued behind a large backfill finishes in the first window after the reset', async () => {
    const sessions: string[] = [];
    for (const athleteId of h.sim.athletes.keys()) {
      const userId = await insertUser(t.db);
      const scopes = ['read', 'activity:read_all'];
      const issued = h.sim.issueTokens(athleteId, ['read', 'activity:read_all']);
      await h.store.saveTokens(
        t.db,
        userId,
        { ...issued },
        { athlete: { id: String(athleteId) }, scopes },
      );
      const start = { userId, kind: 'backfill' as const, correlationId: userId };
      sessions.push((await startSync(t.db, queue, start)).session.id);
    }
    const [large, small] = sessions as [string, string];
    const worker = createSyncWorker(syncDeps(t.db, h), queue, {
      owner: 'fair',
      jobDeadlineMs: 60_000,
      leaseTtlMs: TEST_WORKER.leaseTtlMs,
      perPage: PER_PAGE,
    });
    const started = h.clock.now();
    const finishedInWindow = new Map<string, number>();
    for (let turn = 0; turn < 200 && finishedInWindow.size < 2; turn++) {
      const [job] = await queue.boss.fetch<SyncJob['data']>(QUEUES.sync, {
        includeMetadata: true,
      });
      if (!job) throw new Error('no sync job queued while a session is unfinished');
      // The job of a parked session waits for its resume_at (pg-boss compares its start with
      // the database's clock, which is months past this manual clock: the test moves it).
      const parked = await sessionStore.findActive(t.db, job.data.userId);
      if (parked?.resume_at) h.clock.set(Math.max(h.clock.now(), parked.resume_at.getTime()));
      await worker.handle(job);
      for (const id of sessions) {
        if (!finishedInWindow.has(id) && (await sessionStatus(t.db, id)) === 'completed')
          finishedInWindow.set(id, Math.floor((h.clock.now() - started) / WINDOW_MS));
      }
    }
    // The small runner needs 3 reads (stats, two pages); the large one about 30 (seven windows).
    expect(finishedInWindow.get(small)).toBe(1);
    expect(finishedInWindow.get(large)).toBeGreaterThan(5);
    const pages = h.sim.inspect().byEndpoint['GET /api/v3/athlete/activities'];
    expect(pages?.['429']).toBeUndefined();
  });

  it('a session reaped after its job was lost keeps its turn: minus what it has listed', async () => {
    const userId = await insertUser(t.db);
    const { session } = await startSync(t.db, queue, {
      userId,
      kind: 'backfill',
      correlationId: 'reaped',
    });
    expect((await jobsOf(t.db, QUEUES.sync, userId))[0]?.priority).toBe(0);
    // Parked after listing 400 activities, and its job lost.
    await sessionStore.claim(t.db, session.id, 'w', h.clock.now(), 60_000);
    await t.db.withTransaction((tx) =>
      sessionStore.release(tx, session.id, 'w', 'rate_limited', {
        resumeAt: new Date(h.clock.now() + WINDOW_MS),
      }),
    );
    await t.db.query('update sync_sessions set activities_listed = 400 where id = $1', [
      session.id,
    ]);
    await t.db.query(`delete from pgboss.job where singleton_key = $1`, [userId]);
    const reaped = await reapSessions(t.db, queue, h.clock.now());
    expect(reaped.map((r) => r.userId)).toEqual([userId]);
    expect(await jobsOf(t.db, QUEUES.sync, userId)).toMatchObject([
      { state: 'created', priority: -400 },
    ]);
  });
});
