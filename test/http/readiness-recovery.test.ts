import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiLedger } from '../../src/budget/api-ledger.ts';
import type { Clock } from '../../src/core/clock.ts';
import { enrichPending } from '../../src/enrichment/enrich-pending.ts';
import {
  createEnrichmentServices,
  stridesyncUserAgent,
} from '../../src/enrichment/enrichment-services.ts';
import { createApp } from '../../src/http/app.ts';
import { createJwtVerifier } from '../../src/http/jwt.ts';
import { type RunningServer, startServer } from '../../src/http/node-server.ts';
import { createLogger } from '../../src/observability/logger.ts';
import type { JobQueue } from '../../src/queue/job-queue.ts';
import { QUEUES } from '../../src/queue/job-queue.ts';
import { STUCK_AFTER_MS } from '../../src/queue/readiness.ts';
import { startSync } from '../../src/queue/start-sync.ts';
import { startWorkers, type Workers } from '../../src/queue/start-workers.ts';
import type { Database } from '../../src/store/database.ts';
import { createOpsRecorder } from '../../src/store/ops-recorder.ts';
import { sessionStore } from '../../src/store/session-store.ts';
import { FAST_RETRY, openTestQueue, TEST_WORKER, waitFor } from '../queue/queue-harness.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';
import { type StravaHarness, startStravaHarness } from '../support/strava-harness.ts';
import { syncDeps } from '../sync/sync-harness.ts';
import { insertRun } from '../weather/test-runs.ts';
import { startWeatherSims, type WeatherSims } from '../weather/weather-sims.ts';

const APIS = ['strava', 'open-meteo', 'nominatim'];
const HALF_OPEN_MS = 60_000;
/** Past a failed run's first retry (15 min) and the breaker's pause. */
const LATER_MS = 16 * 60_000;
const logger = createLogger('silent');

/** The readiness endpoint of an app over `db` on `clock`, as the Node server serves it. */
async function serveReadiness(db: Database, clock: Clock) {
  const server = await startServer(
    createApp({
      db,
      clock,
      logger,
      auth: createJwtVerifier({ secret: 'a-test-secret-of-at-least-32-characters!!' }),
      apis: APIS,
    }),
    { port: 0 },
  );
  const ready = async () => {
    const response = await fetch(`${server.url}/api/health/ready`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  return { server, ready };
}

/**
 * `/api/health/ready` when a part fails for a while and then mends without anyone's hand: a
 * provider whose circuit breaker opened, and a session whose worker died holding its lease.
 */
describe('readiness recovers by itself', () => {
  describe('when a provider’s circuit opens', () => {
    let sims: WeatherSims;
    let t: TestDatabase;
    let server: RunningServer;
    let ready: Awaited<ReturnType<typeof serveReadiness>>['ready'];

    beforeAll(async () => {
      sims = await startWeatherSims();
      t = await createTestDatabase('postgres');
      ({ server, ready } = await serveReadiness(t.db, sims.clock));
    });
    afterAll(async () => {
      await server.close();
      await t.dispose();
      await sims.close();
    });

    // One worker's services: a breaker that opens after one failed call for HALF_OPEN_MS,
    // recording to the database where readiness (any process's) reads it.
    const services = () =>
      createEnrichmentServices(
        sims.settings({ provider: 'open-meteo', openWeatherApiKey: undefined }),
        {
          ledger: createApiLedger(t.db, sims.clock),
          clock: sims.clock,
          userAgent: stridesyncUserAgent('https://runs.example.test'),
          sleep: sims.sleep,
          http: {
            sleep: sims.sleep,
            random: () => 0,
            timeoutMs: 5000,
            maxAttempts: 1,
            breakAfterFailures: 1,
            halfOpenAfterMs: HALF_OPEN_MS,
            observer: createOpsRecorder(t.db, sims.clock, logger),
          },
        },
      );

    it('says degraded naming open-meteo while its circuit is open, then ok again', async () => {
      expect((await ready()).body.status).toBe('ok');
      const userId = await insertUser(t.db);
      for (const [i, lng] of [13.4, 13.6].entries())
        await insertRun(t.db, userId, {
          label: `Berlin ${i}`,
          lat: 52.52,
          lng,
          start: `2025-08-0${i + 1}T06:00:00Z`,
          elapsedS: 1800,
        });

      sims.openMeteo.faults.set({ errorRates: { 503: 1 } });
      const failing = await enrichPending(t.db, { ...services(), clock: sims.clock }, { userId });
      expect(failing.weather.enriched).toBe(0);
      // The breaker's opening is recorded without holding the call up: wait for it.
      const degraded = await waitFor('readiness to see the open circuit', async () => {
        const answer = await ready();
        return answer.body.status === 'degraded' && answer;
      });
      expect(degraded.status).toBe(200);
      expect(degraded.body.problems).toEqual(['circuit_open:open-meteo']);
      expect((degraded.body.reasons as string[])[0]).toMatch(
        /^open-meteo keeps failing \(http_503\): calls to it are paused until /,
      );
      expect(degraded.body.providers).toContainEqual(
        expect.objectContaining({
          name: 'open-meteo',
          circuit: 'open',
          lastErrorClass: 'transient',
          lastErrorCode: 'http_503',
        }),
      );

      // Open-Meteo mends. Once the pause recorded is over readiness no longer counts the circuit,
      // and the next pass (a later job's worker, the runs' retry due) enriches the runs: nobody
      // touched stridesync.
      sims.openMeteo.faults.set({ errorRates: {} });
      sims.clock.advance(LATER_MS);
      const mended = await enrichPending(t.db, { ...services(), clock: sims.clock }, { userId });
      expect(mended.weather.enriched).toBe(2);
      const recovered = await waitFor('the circuit to close', async () => {
        const answer = await ready();
        return answer.body.status === 'ok' && answer;
      });
      expect(recovered.body).toMatchObject({ problems: [], reasons: [] });
      expect(recovered.body.providers).toContainEqual(
        expect.objectContaining({ name: 'open-meteo', circuit: 'closed', circuitOpenUntil: null }),
      );
    });
  });

  describe('when a worker dies holding a session', () => {
    let t: TestDatabase;
    let h: StravaHarness;
    let queue: JobQueue;
    let server: RunningServer;
    let ready: Awaited<ReturnType<typeof serveReadiness>>['ready'];
    let workers: Workers | undefined;

    beforeAll(async () => {
      t = await createTestDatabase('postgres');
      h = await startStravaHarness(t.db, { activityCount: 30 });
      queue = await openTestQueue(t.db);
      ({ server, ready } = await serveReadiness(t.db, h.clock));
    });
    afterAll(async () => {
      await workers?.stop(1000);
      await server.close();
      await queue.stop({ timeoutMs: 0 });
      await h.close();
      await t.dispose();
    });

    it('names the stuck session until the reaper hands it to a worker that finishes it', async () => {
      const userId = await insertUser(t.db);
      await h.connect(userId);
      const { session } = await startSync(t.db, queue, {
        userId,
        kind: 'backfill',
        correlationId: 'stuck-test',
      });
      // A worker took the job and the session, then died: the job stays active, the lease held.
      await queue.boss.fetch(QUEUES.sync);
      await sessionStore.claim(t.db, session.id, 'dead-worker', h.clock.now(), 60_000);

      h.clock.advance(61_000);
      const expired = await ready();
      expect(expired.body).toMatchObject({
        status: 'ok',
        sessions: { leaseExpired: 1, stuck: 0 },
      });

      h.clock.advance(STUCK_AFTER_MS);
      const stuck = await ready();
      expect(stuck.status).toBe(200);
      expect(stuck.body).toMatchObject({
        status: 'degraded',
        problems: ['sessions_stuck'],
        sessions: { leaseExpired: 1, stuck: 1 },
      });
      expect((stuck.body.reasons as string[])[0]).toMatch(
        /^1 sync session\(s\) are stuck past their lease for over 5 min: no worker took them over/,
      );

      // A worker starts: its reaper queues the session again, and it resumes and completes.
      workers = await startWorkers(syncDeps(t.db, h), {
        ...TEST_WORKER,
        owner: 'new-worker',
        syncRetry: FAST_RETRY,
      });
      await waitFor('the session to complete', async () => {
        const row = await sessionStore.get(t.db, session.id);
        if (row?.status === 'failed') throw new Error(`the session failed: ${row.error_code}`);
        return row?.status === 'completed';
      });
      const recovered = await ready();
      expect(recovered.body).toMatchObject({
        status: 'ok',
        problems: [],
        sessions: { leaseExpired: 0, stuck: 0 },
      });
    });
  });
});
