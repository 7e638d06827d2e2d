import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiLedger } from '../../src/budget/api-ledger.ts';
import { createEnrichmentServices } from '../../src/enrichment/enrichment-services.ts';
import { type JobQueue, QUEUES } from '../../src/queue/job-queue.ts';
import { startSync } from '../../src/queue/start-sync.ts';
import { startWorkers } from '../../src/queue/start-workers.ts';
import { listEvents, sessionStore } from '../../src/store/session-store.ts';
import { enrichForSync } from '../../src/sync/enrich-for-sync.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';
import { type StravaHarness, startStravaHarness } from '../support/strava-harness.ts';
import { syncDeps } from '../sync/sync-harness.ts';
import { startWeatherSims, type WeatherSims } from '../weather/weather-sims.ts';
import { jobsOf, openTestQueue, TEST_WORKER } from './queue-harness.ts';

describe('a worker stopping mid-enrichment', () => {
  let t: TestDatabase;
  let sims: WeatherSims;
  let h: StravaHarness;
  let queue: JobQueue;

  beforeAll(async () => {
    t = await createTestDatabase('postgres');
    sims = await startWeatherSims();
    h = await startStravaHarness(t.db, { activityCount: 30, clock: sims.clock });
    queue = await openTestQueue(t.db);
  });
  afterAll(async () => {
    await queue.stop({ timeoutMs: 0 });
    await h.close();
    await sims.close();
    await t.dispose();
  });

  it('ends its batch before the next lookup and hands the session on within its stop timeout', async () => {
    const userId = await insertUser(t.db);
    await h.connect(userId);
    // Nominatim behind a proxy that holds the second lookup: the stop arrives while it is out.
    let lookups = 0;
    let requested!: () => void;
    let release!: () => void;
    const lookupHeld = new Promise<void>((resolve) => {
      requested = resolve;
    });
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const nominatimUrl = sims.mount(
      'nominatim-held',
      new Hono().all('*', async (c) => {
        lookups += 1;
        if (lookups === 2) {
          requested();
          await released;
        }
        const url = new URL(c.req.url);
        return fetch(`${sims.urls.nominatim}${url.pathname}${url.search}`, {
          headers: { 'user-agent': c.req.header('user-agent') ?? '' },
        });
      }),
    );
    const services = createEnrichmentServices(
      sims.settings({ openWeatherApiKey: undefined, nominatimUrl }),
      {
        ledger: createApiLedger(t.db, sims.clock),
        clock: sims.clock,
        userAgent: 'stridesync-test/1.0',
        sleep: (ms) => sims.sleep(ms),
        http: { sleep: sims.sleep, random: () => 0, timeoutMs: 5000 },
      },
    );
    const workers = await startWorkers(
      syncDeps(t.db, h, { enrich: enrichForSync(t.db, services, sims.clock) }),
      { ...TEST_WORKER, owner: 'worker-stopping', jobDeadlineMs: 10 * 60_000 },
    );
    const { session, jobId } = await startSync(t.db, workers.queue, {
      userId,
      kind: 'backfill',
      correlationId: 'enrichment-stop',
    });
    await lookupHeld;

    const stopTimeoutMs = 20_000;
    const stopped = workers.stop(stopTimeoutMs);
    release();
    await stopped;

    // Handed on, not abandoned: a run still going at the timeout would have kept its lease.
    expect(await sessionStore.get(t.db, session.id)).toMatchObject({
      status: 'queued',
      phase: 'enriching',
      lease_owner: null,
    });
    const events = await listEvents(t.db, session.id);
    expect(events.slice(-2)).toMatchObject([
      { type: 'enrich:batch' },
      { type: 'sync:yielded', payload: { reason: 'stopping' } },
    ]);
    // The held lookup was the last one sent: the batch stopped before asking for another.
    expect(lookups).toBe(2);
    const jobs = await jobsOf(t.db, QUEUES.sync, userId);
    expect(jobs.map((j) => [j.id === jobId, j.state, j.output])).toEqual([
      [true, 'completed', { handedOff: true }],
      [false, 'created', null],
    ]);
  });
});
