import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import syncOrchestrator from '../../netlify/functions/sync-orchestrator.mts';
import syncWorker from '../../netlify/functions/sync-worker-background.mts';
import weatherEnricher from '../../netlify/functions/weather-enricher.mts';
import { signAccessToken } from '../../src/http/jwt.ts';
import { signWake, WAKE_HEADER } from '../../src/queue/wake-worker.ts';
import type { WorkSummary } from '../../src/queue/work-until-idle.ts';
import { sessionStore } from '../../src/store/session-store.ts';
import { createSyncWorkerFunction } from '../../src/wiring/netlify/netlify-worker.ts';
import { errorOf, JWT_SECRET } from '../http/test-app.ts';
import { jobsOf, openTestQueue } from '../queue/queue-harness.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';
import { RUN_TYPES, storedIds } from '../sync/sync-harness.ts';
import {
  context,
  startSimulators,
  startWakeReceiver,
  type WakeReceiver,
  WORKER_PATH,
} from './netlify-harness.ts';

/**
 * About 50 runs: one Strava page, and three enrichment batches whose place lookups go at
 * Nominatim's pace, one a second.
 */
const ACTIVITIES = 80;
/** Long enough for a start-up and a Strava call; far too short for the whole backfill. */
const RUN_FOR_MS = 2_500;

describe('the Netlify sync worker and its tick, over Postgres and the simulators', () => {
  let t: TestDatabase;
  let s: Awaited<ReturnType<typeof startSimulators>>;
  let receiver: WakeReceiver;

  beforeAll(async () => {
    t = await createTestDatabase('postgres');
    // Installs pg-boss's schema, as the first function to open the queue would.
    await (await openTestQueue(t.db)).stop({ timeoutMs: 0 });
    s = await startSimulators(ACTIVITIES);
  });
  beforeEach(async () => {
    receiver = await startWakeReceiver();
    for (const [name, value] of Object.entries(s.env(t.url as string))) vi.stubEnv(name, value);
    // Quick polls, so each short invocation takes its job at once.
    vi.stubEnv('SYNC_POLL_INTERVAL_S', '0.5');
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await receiver.close();
  });
  afterAll(async () => {
    await s.close();
    await t.dispose();
  });

  it('works a backfill the API started, invocation after invocation, to an exact result', {
    timeout: 180_000,
  }, async () => {
    const userId = await insertUser(t.db);
    await s.connect(t.db, userId);
    // Each Strava call takes 700 ms: the backfill needs several invocations of 2.5 s.
    s.sims.strava.faults.set({ latencyMs: 700 });
    const authorization = `Bearer ${await signAccessToken(JWT_SECRET, { sub: userId })}`;

    const started = await syncOrchestrator(
      new Request(`${receiver.origin}/api/syncs`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: '{"kind":"backfill"}',
      }),
      context,
    );
    expect(started.status).toBe(202);
    const { id: sessionId } = (await started.json()) as { id: string };
    // The API woke the worker for the session it queued.
    expect(receiver.wakes).toHaveLength(1);

    const worker = createSyncWorkerFunction({ runForMs: RUN_FOR_MS });
    const summaries: WorkSummary[] = [];
    for (let wake = receiver.takeWake(); wake; wake = receiver.takeWake()) {
      const response = await worker(wake, context);
      expect(response.status).toBe(200);
      summaries.push((await response.json()) as WorkSummary);
      if (summaries.length > 40) throw new Error('the backfill never finished');
    }

    // Each invocation but the last ran out of time with the sync handed off, and woke the next.
    expect(summaries.length).toBeGreaterThan(1);
    expect(summaries.slice(0, -1).every((x) => x.stoppedBy === 'deadline' && x.moreWork)).toBe(
      true,
    );
    expect(summaries.at(-1)?.moreWork).toBe(false);
    const session = await sessionStore.get(t.db, sessionId);
    expect(session).toMatchObject({
      status: 'completed',
      activities_listed: ACTIVITIES,
      checkpoint: { cursor: null },
    });
    const runs = s.sims.strava
      .activitiesOf(s.athleteId)
      .filter((a) => RUN_TYPES.includes(a.sportType))
      .map((a) => String(a.id))
      .sort();
    expect(await storedIds(t.db, userId)).toEqual(runs);
    const { rows } = await t.db.query<{ reason: string; n: number }>(
      `select payload->>'reason' as reason, count(*)::int as n from sync_events
       where session_id = $1 and type = 'sync:yielded' group by 1`,
      [sessionId],
    );
    expect(rows).toEqual([{ reason: 'stopping', n: expect.any(Number) }]);
  });

  it('refuses a wake-up that stridesync did not sign, before touching the database', async () => {
    const unsigned = await syncWorker(
      new Request(`${receiver.origin}${WORKER_PATH}`, { method: 'POST' }),
      context,
    );
    expect(unsigned.status).toBe(401);
    expect((await errorOf(unsigned)).code).toBe('worker_wake_unsigned');
    const stale = await syncWorker(
      new Request(`${receiver.origin}${WORKER_PATH}`, {
        method: 'POST',
        headers: { [WAKE_HEADER]: signWake(JWT_SECRET, Date.now() - 10 * 60_000) },
      }),
      context,
    );
    expect(stale.status).toBe(401);
    const forged = await syncWorker(
      new Request(`${receiver.origin}${WORKER_PATH}`, {
        method: 'POST',
        headers: { [WAKE_HEADER]: signWake('another-secret-of-at-least-32-chars!!', Date.now()) },
      }),
      context,
    );
    expect(forged.status).toBe(401);
    expect(receiver.wakes).toHaveLength(0);
  });

  it('answers 503 naming what is missing when the site is not configured', async () => {
    vi.stubEnv('SUPABASE_JWT_SECRET', '');
    const signed = new Request(`${receiver.origin}${WORKER_PATH}`, {
      method: 'POST',
      headers: { [WAKE_HEADER]: signWake(JWT_SECRET, Date.now()) },
    });
    const worker = await syncWorker(signed, context);
    expect(worker.status).toBe(503);
    expect((await errorOf(worker)).message).toContain('SUPABASE_JWT_SECRET');
    const tick = await weatherEnricher(new Request(`${receiver.origin}/tick`), context);
    expect(tick.status).toBe(503);
  });

  it('answers in the error shape, logged, when the database cannot be reached', async () => {
    // Nothing listens on port 1.
    vi.stubEnv('DATABASE_URL', 'postgres://postgres@127.0.0.1:1/stridesync');
    const signed = new Request(`${receiver.origin}${WORKER_PATH}`, {
      method: 'POST',
      headers: { [WAKE_HEADER]: signWake(JWT_SECRET, Date.now()), 'x-correlation-id': 'db-down-1' },
    });
    const worker = await syncWorker(signed, context);
    // Opening the database says what is wrong with DATABASE_URL: a configuration to fix.
    expect(worker.status).toBe(409);
    expect(worker.headers.get('x-correlation-id')).toBe('db-down-1');
    expect(await errorOf(worker)).toMatchObject({
      code: 'database_refused',
      message: 'DATABASE_URL: nothing is listening at 127.0.0.1:1.',
      hint: 'Start Postgres, or unset DATABASE_URL to use the embedded database.',
    });
    const tick = await weatherEnricher(new Request(`${receiver.origin}/tick`), context);
    expect(tick.status).toBe(409);
    expect(receiver.wakes).toHaveLength(0);
  });

  it('ticks: queues the jobs whose crons fired in its window, reaps, and wakes the worker', async () => {
    vi.stubEnv('SYNC_INCREMENTAL_CRON', '0 * * * *');
    vi.stubEnv('SYNC_RECONCILE_CRON', '30 3 * * *');
    vi.stubEnv('WEATHER_BACKFILL_CRON', '20 * * * *');
    await t.db.exec('delete from pgboss.job;');
    const tick = (nextRun: string) =>
      weatherEnricher(
        new Request(`${receiver.origin}/.netlify/functions/weather-enricher`, {
          method: 'POST',
          body: JSON.stringify({ next_run: nextRun }),
        }),
        context,
      );

    // The run of 10:20 answers for (10:10, 10:20]: the weather backfill's :20.
    const weather = await tick('2026-03-10T10:30:00Z');
    expect(weather.status).toBe(200);
    expect(await weather.json()).toMatchObject({ sent: ['weather-backfill'], woke: true });
    expect(receiver.wakes).toHaveLength(1);
    expect((await jobsOf(t.db, 'weather-backfill')).map((j) => j.state)).toEqual(['created']);

    // The run of 10:00: the incremental syncs' top of the hour.
    expect(await (await tick('2026-03-10T10:10:00Z')).json()).toMatchObject({
      sent: ['incremental-sync'],
    });
    // The run of 03:30: the nightly reconcile.
    expect(await (await tick('2026-03-10T03:40:00Z')).json()).toMatchObject({
      sent: ['reconcile'],
    });

    // Nothing fired and nothing waits: no wake-up. A session left without a job is reaped and
    // its worker woken.
    await t.db.exec('delete from pgboss.job;');
    expect(await (await tick('2026-03-10T10:50:00Z')).json()).toMatchObject({
      sent: [],
      reaped: 0,
      woke: false,
    });
    const userId = await insertUser(t.db);
    await sessionStore.start(t.db, { userId, kind: 'incremental', correlationId: 'orphan' });
    const wakesBefore = receiver.wakes.length;
    expect(await (await tick('2026-03-10T10:50:00Z')).json()).toMatchObject({
      sent: [],
      reaped: 1,
      woke: true,
    });
    expect(receiver.wakes).toHaveLength(wakesBefore + 1);
    expect((await jobsOf(t.db, 'sync', userId)).map((j) => j.state)).toEqual(['created']);
  });
});
