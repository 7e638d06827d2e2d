import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApiLedger } from '../../src/budget/api-ledger.ts';
import { DEFAULT_SYNC_SCHEDULES } from '../../src/config/defaults.ts';
import { systemClock } from '../../src/core/clock.ts';
import { FLAG_KEYS } from '../../src/core/feature-flags.ts';
import {
  createEnrichmentServices,
  stridesyncUserAgent,
} from '../../src/enrichment/enrichment-services.ts';
import { type JobQueue, QUEUES } from '../../src/queue/job-queue.ts';
import { startSync } from '../../src/queue/start-sync.ts';
import {
  EVENT_DEFER_MS,
  handleStravaEvent,
  sendStravaEvent,
} from '../../src/queue/strava-event-job.ts';
import { applySchedules, startSyncForConnectedUsers } from '../../src/queue/sync-schedules.ts';
import { runWeatherBackfill } from '../../src/queue/weather-backfill-job.ts';
import { createFeatureFlags, featureFlagStore } from '../../src/store/feature-flags.ts';
import { sessionStore } from '../../src/store/session-store.ts';
import { ADAPTERS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';
import { insertRun, TRICKY_RUNS } from '../weather/test-runs.ts';
import {
  answered,
  clearEnrichmentState,
  startWeatherSims,
  type WeatherSims,
} from '../weather/weather-sims.ts';
import { jobsOf, NO_SCHEDULES, openTestQueue } from './queue-harness.ts';

let nextAthlete = 900_000;

describe.each(ADAPTERS)('scheduled and event jobs on %s', (kind) => {
  let t: TestDatabase;
  let queue: JobQueue;

  /** A user with a Strava connection (live unless `revoked`); returns the user and athlete ids. */
  const connectedUser = async ({ revoked = false } = {}) => {
    const userId = await insertUser(t.db);
    nextAthlete += 1;
    await t.db.query(
      `insert into strava_connections
         (user_id, athlete_id, scopes, access_token_enc, refresh_token_enc, token_key_version,
          expires_at, revoked_at)
       values ($1, $2, '{read,activity:read_all}', 'ciphertext-a', 'ciphertext-r', 1,
               now() + interval '6 hours', case when $3 then now() end)`,
      [userId, nextAthlete, revoked],
    );
    return { userId, athleteId: String(nextAthlete) };
  };

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    queue = await openTestQueue(t.db);
  });
  beforeEach(async () => {
    await t.db.exec(
      'delete from sync_sessions; delete from strava_connections; delete from pgboss.job;',
    );
  });
  afterAll(async () => {
    await queue.stop({ timeoutMs: 0 });
    await t.dispose();
  });

  it('stores the schedules in pg-boss, in UTC, and removes those turned off', async () => {
    await applySchedules(queue, DEFAULT_SYNC_SCHEDULES);
    const stored = await queue.boss.getSchedules();
    expect(Object.fromEntries(stored.map((s) => [s.name, s.cron]))).toEqual({
      [QUEUES.incrementalSync]: DEFAULT_SYNC_SCHEDULES.incremental,
      [QUEUES.reconcile]: DEFAULT_SYNC_SCHEDULES.reconcile,
      [QUEUES.weatherBackfill]: DEFAULT_SYNC_SCHEDULES.weatherBackfill,
    });
    expect(stored.map((s) => (s as { timezone?: string }).timezone)).toEqual(['UTC', 'UTC', 'UTC']);
    await applySchedules(queue, { ...NO_SCHEDULES, reconcile: '0 4 * * *' });
    expect((await queue.boss.getSchedules()).map((s) => [s.name, s.cron])).toEqual([
      [QUEUES.reconcile, '0 4 * * *'],
    ]);
  });

  it('a scheduled sync starts one for each connected user not already syncing', async () => {
    const idle = await connectedUser();
    const busy = await connectedUser();
    const revoked = await connectedUser({ revoked: true });
    const active = await startSync(t.db, queue, {
      userId: busy.userId,
      kind: 'backfill',
      correlationId: 'own',
    });

    const result = await startSyncForConnectedUsers(t.db, queue, 'reconcile', 'reconcile:job-1');
    expect(result).toEqual({ users: 2, started: 1, flaggedOff: 0 });
    expect(await sessionStore.findActive(t.db, idle.userId)).toMatchObject({
      kind: 'reconcile',
      status: 'queued',
      correlation_id: 'reconcile:job-1',
    });
    expect(await sessionStore.findActive(t.db, busy.userId)).toMatchObject({
      id: active.session.id,
      kind: 'backfill',
    });
    expect(await sessionStore.findActive(t.db, revoked.userId)).toBeUndefined();
    expect(await jobsOf(t.db, QUEUES.sync, idle.userId)).toHaveLength(1);
    expect(await jobsOf(t.db, QUEUES.sync, busy.userId)).toHaveLength(1);
  });

  it('leaves out the users a flag is off for: periodic-syncs for both kinds, reconcile for reconciles', async () => {
    const everyone = await connectedUser();
    const noPeriodic = await connectedUser();
    const noReconcile = await connectedUser();
    await featureFlagStore.set(t.db, FLAG_KEYS.periodicSyncs, {
      rolloutPercent: 100,
      deny: [noPeriodic.userId],
    });
    await featureFlagStore.set(t.db, FLAG_KEYS.reconcile, {
      rolloutPercent: 100,
      deny: [noReconcile.userId],
    });
    const flags = createFeatureFlags(t.db, { clock: systemClock });
    try {
      expect(
        await startSyncForConnectedUsers(t.db, queue, 'reconcile', 'reconcile:job-2', flags),
      ).toEqual({ users: 3, started: 1, flaggedOff: 2 });
      expect(await sessionStore.findActive(t.db, everyone.userId)).toMatchObject({
        kind: 'reconcile',
      });
      expect(await sessionStore.findActive(t.db, noReconcile.userId)).toBeUndefined();
      await t.db.exec('delete from sync_sessions');
      expect(
        await startSyncForConnectedUsers(t.db, queue, 'incremental', 'incremental:job-2', flags),
      ).toEqual({ users: 3, started: 2, flaggedOff: 1 });
      expect(await sessionStore.findActive(t.db, noPeriodic.userId)).toBeUndefined();
    } finally {
      await t.db.exec('delete from feature_flags');
    }
  });

  it('a webhook event becomes an event session, or waits while the user’s other sync runs', async () => {
    const { userId, athleteId } = await connectedUser();
    const event = {
      aspect_type: 'update',
      object_type: 'activity',
      object_id: '12345678901',
      owner_id: athleteId,
      subscription_id: '1',
      event_time: 1_760_000_000,
      updates: { title: 'Messy' },
    } as const;
    const jobId = await sendStravaEvent(queue, t.db, event, 'webhook-request-1');
    const [queued] = (await jobsOf(t.db, QUEUES.stravaEvent)).filter((j) => j.id === jobId);

    // The session carries the correlation id of the webhook request that delivered the event.
    const nowMs = Date.now();
    const started = await handleStravaEvent(t.db, queue, queued?.data, { jobId: 'job-1', nowMs });
    expect(started).toMatchObject({ outcome: 'started' });
    const session = await sessionStore.findActive(t.db, userId);
    expect(session).toMatchObject({
      kind: 'event',
      input: event,
      correlation_id: 'webhook-request-1',
    });
    expect((await jobsOf(t.db, QUEUES.sync, userId))[0]?.data).toMatchObject({
      correlationId: 'webhook-request-1',
    });
    expect(await jobsOf(t.db, QUEUES.sync, userId)).toHaveLength(1);

    // Another event while that session is active: queued again for later, not applied now. (A
    // job queued before jobs carried their request's id holds the bare event: named by its job.)
    const second = { ...event, object_id: '12345678902', aspect_type: 'delete' } as const;
    const deferred = await handleStravaEvent(t.db, queue, second, { jobId: 'job-2', nowMs });
    expect(deferred).toEqual({ outcome: 'deferred', until: new Date(nowMs + EVENT_DEFER_MS) });
    const waiting = (await jobsOf(t.db, QUEUES.stravaEvent)).filter(
      (j) => (j.data.event as { object_id?: string } | undefined)?.object_id === second.object_id,
    );
    expect(waiting).toMatchObject([
      {
        state: 'created',
        start_after: new Date(nowMs + EVENT_DEFER_MS),
        data: { event: second, correlationId: 'strava-event:job-2' },
      },
    ]);

    const stranger = { ...event, owner_id: '1' };
    expect(await handleStravaEvent(t.db, queue, stranger, { jobId: 'job-3', nowMs })).toEqual({
      outcome: 'not_connected',
    });
  });
});

describe.each(ADAPTERS)('the weather backfill job on %s', (kind) => {
  let t: TestDatabase;
  let queue: JobQueue;
  let sims: WeatherSims;

  beforeAll(async () => {
    sims = await startWeatherSims();
    t = await createTestDatabase(kind);
    queue = await openTestQueue(t.db);
    await clearEnrichmentState(t.db);
  });
  afterAll(async () => {
    await queue.stop({ timeoutMs: 0 });
    await t.dispose();
    await sims.close();
  });

  it('enriches every user’s waiting runs, pass after pass, until nothing is left to serve', async () => {
    const runners = [await insertUser(t.db), await insertUser(t.db)];
    for (const [i, run] of TRICKY_RUNS.entries()) await insertRun(t.db, runners[i % 2]!, run);
    const services = createEnrichmentServices(sims.settings(), {
      ledger: createApiLedger(t.db, sims.clock),
      clock: sims.clock,
      userAgent: stridesyncUserAgent('https://runs.example.test'),
      sleep: sims.sleep,
      http: { sleep: sims.sleep, random: () => 0, timeoutMs: 5000 },
    });
    const result = await runWeatherBackfill(
      t.db,
      queue,
      { ...services, clock: sims.clock },
      {
        limit: 4,
      },
    );
    expect(result).toMatchObject({ outcome: 'done', enriched: TRICKY_RUNS.length });
    expect(result.passes).toBeGreaterThan(TRICKY_RUNS.length / 4);
    const { rows } = await t.db.query<{ user_id: string; weather_status: string }>(
      'select distinct user_id, weather_status from activities order by 1',
    );
    expect(rows).toEqual(
      [...runners].sort().map((user_id) => ({ user_id, weather_status: 'enriched' })),
    );
  });

  it('a history bigger than a day’s One Call quota goes on by itself each day until done', async () => {
    await clearEnrichmentState(t.db);
    const runner = await insertUser(t.db);
    for (const run of TRICKY_RUNS) await insertRun(t.db, runner, run);
    const { rows: gps } = await t.db.query<{ n: number }>(
      'select count(*)::int as n from activities where user_id = $1 and start_lat is not null',
      [runner],
    );
    const perDay = 2;
    const services = createEnrichmentServices(sims.settings({ provider: 'openweathermap' }), {
      ledger: createApiLedger(t.db, sims.clock),
      clock: sims.clock,
      userAgent: stridesyncUserAgent('https://runs.example.test'),
      sleep: sims.sleep,
      http: { sleep: sims.sleep, random: () => 0, timeoutMs: 5000 },
      limits: { openWeatherMap: { oneCallPerDay: perDay } },
    });
    const weatherOf = async () =>
      (
        await t.db.query<{ n: number }>(
          `select count(*)::int as n from activities where user_id = $1 and weather_status = 'enriched'`,
          [runner],
        )
      ).rows[0]?.n ?? 0;

    let days = 0;
    for (; days < 10; days++) {
      const before = await weatherOf();
      const result = await runWeatherBackfill(t.db, queue, { ...services, clock: sims.clock });
      if (result.outcome === 'done') break;
      // Today's quota is spent: the job queues its own sequel for midnight UTC, and stops.
      const midnight = (Math.floor(sims.clock.now() / 86_400_000) + 1) * 86_400_000;
      expect(result).toMatchObject({ outcome: 'deferred', provider: 'openweathermap' });
      expect((result as { until: Date }).until).toEqual(new Date(midnight));
      const queued = await jobsOf(t.db, QUEUES.weatherBackfill);
      expect(queued.map((job) => [job.state, job.start_after])).toEqual([
        ['created', new Date(midnight)],
      ]);
      expect((await weatherOf()) - before).toBeGreaterThan(0);
      // Midnight: the queue's worker takes that job (here: the test runs it, as the worker would).
      await t.db.exec('delete from pgboss.job');
      sims.clock.set(midnight);
    }
    expect(days).toBeGreaterThan(0);
    expect(await weatherOf()).toBe(gps[0]?.n);
  });

  it('ends its pass before the next lookup when the worker stops, leaving the rest untouched', async () => {
    await clearEnrichmentState(t.db);
    const runner = await insertUser(t.db);
    for (const run of TRICKY_RUNS) await insertRun(t.db, runner, run);
    const stopping = new AbortController();
    const services = createEnrichmentServices(sims.settings({ openWeatherApiKey: undefined }), {
      ledger: createApiLedger(t.db, sims.clock),
      clock: sims.clock,
      userAgent: stridesyncUserAgent('https://runs.example.test'),
      // The stop arrives while Nominatim's one-second spacing is waited out (Open-Meteo is
      // unpaced here, so its pace is not what waits first).
      sleep: async () => stopping.abort(),
      limits: { openMeteo: { weightedPerMinute: 1_000_000 } },
      http: { sleep: sims.sleep, random: () => 0, timeoutMs: 5000 },
    });
    const lookupsBefore = answered(sims.nominatim.inspect().requests, 'reverse');

    const result = await runWeatherBackfill(
      t.db,
      queue,
      { ...services, clock: sims.clock },
      { signal: stopping.signal },
    );

    expect(result).toMatchObject({ outcome: 'stopped', passes: 1 });
    expect(answered(sims.nominatim.inspect().requests, 'reverse') - lookupsBefore).toBe(1);
    const { rows } = await t.db.query<{ n: number }>(
      `select count(*)::int as n from activities where user_id = $1 and start_lat is not null
         and place_status = 'pending' and place_attempts = 0 and place_error is null`,
      [runner],
    );
    expect(rows[0]?.n).toBeGreaterThan(0);
  });
});
