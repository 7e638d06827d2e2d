import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiLedger } from '../../src/budget/api-ledger.ts';
import { stravaBudgetLines } from '../../src/budget/rate-windows.ts';
import { createManualClock } from '../../src/core/clock.ts';
import { createApp } from '../../src/http/app.ts';
import { createJwtVerifier } from '../../src/http/jwt.ts';
import { type RunningServer, startServer } from '../../src/http/node-server.ts';
import { PROMETHEUS_CONTENT_TYPE } from '../../src/http/routes/metrics.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { type JobQueue, openJobQueue, QUEUES } from '../../src/queue/job-queue.ts';
import { ADAPTERS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { getWithHost } from '../support/get-with-host.ts';
import { insertUser } from '../support/seed.ts';
import { errorOf, JWT_SECRET } from './test-app.ts';

const METRICS_TOKEN = 'a-metrics-token-for-the-scraper';

/** `name{labels} value` lines as a map, comments left out. */
function samples(text: string): Map<string, number> {
  return new Map(
    text
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => {
        const at = line.lastIndexOf(' ');
        return [line.slice(0, at), Number(line.slice(at + 1))] as const;
      }),
  );
}

describe.each(ADAPTERS)('GET /api/metrics on %s', (kind) => {
  let t: TestDatabase;
  let queue: JobQueue;
  let open: RunningServer;
  let guarded: RunningServer;
  const clock = createManualClock('2026-03-10T12:05:00Z');
  const emails: string[] = [];
  const userIds: string[] = [];

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    queue = await openJobQueue(t.db, { logger: createLogger('silent'), work: false });
    const app = (metricsToken?: string) =>
      createApp({
        db: t.db,
        clock,
        logger: createLogger('silent'),
        auth: createJwtVerifier({ secret: JWT_SECRET }),
        metricsToken,
      });
    open = await startServer(app(), { port: 0 });
    guarded = await startServer(app(METRICS_TOKEN), { port: 0 });

    for (const n of [1, 2]) {
      const email = `runner-${n}@example.test`;
      emails.push(email);
      userIds.push(await insertUser(t.db, email));
    }
    const [alice, bob] = userIds as [string, string];
    await t.db.query(
      `insert into sync_sessions (user_id, kind, status, correlation_id, resume_at) values
         ($1, 'backfill', 'completed', 'c1', null), ($1, 'incremental', 'completed', 'c2', null),
         ($1, 'incremental', 'rate_limited', 'c3', now() + interval '10 minutes'),
         ($2, 'backfill', 'failed', 'c4', null), ($2, 'backfill', 'running', 'c5', null)`,
      [alice, bob],
    );
    await t.db.query(
      `insert into activities (id, user_id, athlete_id, name, sport_type, start_date, start_date_local,
         distance_m, moving_time_s, elapsed_time_s, strava_summary, weather_status, place_status, deleted_at)
       values
         (1, $1, 1, 'Run', 'Run', now(), localtimestamp, 5000, 1500, 1500, '{}', 'enriched', 'enriched', null),
         (2, $1, 1, 'Run', 'Run', now(), localtimestamp, 5000, 1500, 1500, '{}', 'enriched', 'pending', null),
         (3, $2, 2, 'Run', 'Run', now(), localtimestamp, 5000, 1500, 1500, '{}', 'unavailable', 'pending', null),
         (4, $2, 2, 'Run', 'Run', now(), localtimestamp, 5000, 1500, 1500, '{}', 'not_applicable', 'not_applicable', null),
         (5, $2, 2, 'Run', 'Run', now(), localtimestamp, 5000, 1500, 1500, '{}', 'pending', 'pending', now())`,
      [alice, bob],
    );
    await queue.boss.send(QUEUES.sync, { userId: alice });
    await queue.boss.send(QUEUES.weatherBackfill, {});
    const ledger = createApiLedger(t.db, clock);
    for (let i = 0; i < 3; i++) await ledger.reserve('strava', stravaBudgetLines('GET'));
    await ledger.reserve('strava', stravaBudgetLines('POST'));
    await ledger.reserve(
      'open-meteo',
      [{ bucket: 'weighted:daily', window: 'daily', limit: 5000 }],
      7,
    );
  });
  afterAll(async () => {
    await open.close();
    await guarded.close();
    await queue.stop({ timeoutMs: 0 });
    await t.dispose();
  });

  it('exposes aggregate counts in Prometheus text, with zeros for what has none', async () => {
    const response = await fetch(`${open.url}/api/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(PROMETHEUS_CONTENT_TYPE);
    const text = await response.text();
    const values = samples(text);

    expect(values.get('stridesync_sync_sessions{kind="backfill",status="completed"}')).toBe(1);
    expect(values.get('stridesync_sync_sessions{kind="incremental",status="completed"}')).toBe(1);
    expect(values.get('stridesync_sync_sessions{kind="incremental",status="rate_limited"}')).toBe(
      1,
    );
    expect(values.get('stridesync_sync_sessions{kind="backfill",status="failed"}')).toBe(1);
    expect(values.get('stridesync_sync_sessions{kind="reconcile",status="cancelled"}')).toBe(0);
    expect(values.get('stridesync_sync_sessions_active')).toBe(1);
    expect(values.get('stridesync_sync_sessions_rate_limited')).toBe(1);

    expect(values.get('stridesync_activities')).toBe(4);
    expect(values.get('stridesync_activities_weather{status="enriched"}')).toBe(2);
    expect(values.get('stridesync_activities_weather{status="unavailable"}')).toBe(1);
    expect(values.get('stridesync_activities_weather{status="pending"}')).toBe(0);
    expect(values.get('stridesync_activities_place{status="pending"}')).toBe(2);
    expect(values.get('stridesync_activities_place{status="not_applicable"}')).toBe(1);

    expect(values.get('stridesync_queue_jobs{queue="sync",state="created"}')).toBe(1);
    expect(values.get('stridesync_queue_jobs{queue="weather-backfill",state="created"}')).toBe(1);
    expect(values.get('stridesync_queue_jobs{queue="strava-event",state="created"}')).toBe(0);

    expect(values.get('stridesync_api_budget_used{provider="strava",bucket="overall:15min"}')).toBe(
      4,
    );
    expect(values.get('stridesync_api_budget_used{provider="strava",bucket="read:daily"}')).toBe(3);
    expect(values.get('stridesync_api_budget_limit{provider="strava",bucket="read:15min"}')).toBe(
      100,
    );
    expect(
      values.get('stridesync_api_budget_used{provider="open-meteo",bucket="weighted:daily"}'),
    ).toBe(7);
    expect(values.get('stridesync_process_uptime_seconds')).toBeGreaterThan(0);

    expect(text).toContain('# TYPE stridesync_sync_sessions gauge');
    for (const personal of [...userIds, ...emails]) expect(text).not.toContain(personal);
  });

  it('serves no one but this computer while no token is set', async () => {
    const remote = await getWithHost(`${open.url}/api/metrics`, 'runs.example.com');
    expect(remote.status).toBe(401);
    expect(JSON.parse(remote.body).error.code).toBe('metrics_token_not_configured');
    const local = await getWithHost(`${open.url}/api/metrics`, 'localhost');
    expect(local.status).toBe(200);
  });

  it('wants the metrics token when one is set', async () => {
    const none = await fetch(`${guarded.url}/api/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect((await errorOf(none)).code).toBe('missing_metrics_token');

    const wrong = await fetch(`${guarded.url}/api/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}x` },
    });
    expect(wrong.status).toBe(401);
    expect(await errorOf(wrong)).toMatchObject({
      code: 'invalid_metrics_token',
      hint: expect.stringContaining('metrics token'),
    });

    const right = await fetch(`${guarded.url}/api/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(right.status).toBe(200);
    expect(samples(await right.text()).get('stridesync_activities')).toBe(4);
  });
});

describe('GET /api/metrics without a job queue', () => {
  it('leaves the queue out where pg-boss was never installed, and counts the rest', async () => {
    const t = await createTestDatabase('pglite');
    const server = await startServer(
      createApp({
        db: t.db,
        clock: createManualClock('2026-03-10T12:05:00Z'),
        logger: createLogger('silent'),
        auth: createJwtVerifier({ secret: JWT_SECRET }),
      }),
      { port: 0 },
    );
    try {
      const text = await (await fetch(`${server.url}/api/metrics`)).text();
      expect(text).not.toContain('stridesync_queue_jobs');
      expect(text).not.toContain('stridesync_api_budget_used{');
      expect(samples(text).get('stridesync_activities')).toBe(0);
    } finally {
      await server.close();
      await t.dispose();
    }
  });
});
