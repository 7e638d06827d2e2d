import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStravaSimulator, type StravaSimulator } from '../../sim/strava/index.ts';
import { createManualClock } from '../../src/core/clock.ts';
import { startSync } from '../../src/queue/start-sync.ts';
import { sessionStore } from '../../src/store/session-store.ts';
import { createConnectionStore } from '../../src/strava/connection-store.ts';
import { createTokenCipher } from '../../src/strava/token-crypto.ts';
import { startServer, type TestServer } from '../sim/strava-helpers.ts';
import { type CliProcess, runCli } from '../support/cli-process.ts';
import { createPostgresTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';
import { RUN_TYPES, storedIds } from '../sync/sync-harness.ts';
import { openTestQueue, sessionStatus, waitFor } from './queue-harness.ts';

const ACTIVITIES = 5000;
const KILLS = 10;
/** Short enough that a restarted worker takes over within seconds, and that jobs hand off. */
const WORKER_FLAGS = [
  ...['--lease-ttl', '2', '--job-deadline', '2', '--reap-interval', '1', '--poll-interval', '0.5'],
  ...['--stop-timeout', '10'],
  ...['--incremental-cron', 'off', '--reconcile-cron', 'off', '--weather-backfill-cron', 'off'],
];

const KILL_POINTS = ['mid-request', 'mid-transaction', 'between slices'] as const;
type KillPoint = (typeof KILL_POINTS)[number];

interface Kill {
  aimedAt: KillPoint;
  /** Where it landed, as near as the outside can tell (see killPoint). */
  landed: KillPoint;
  randomDelayMs: number;
  slicesStored: number;
  cycleMs: number;
}

const sleep = async (ms: number) => {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return ms;
};

/** Polls as fast as `condition` answers (a page takes 150–300 ms, a slice's commit far less). */
async function until(condition: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the kill point');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * Issue 6's crash test: the real `stridesync worker` process, SIGKILLed at random points while
 * it backfills 5,000 activities from the simulator over HTTP, restarted each time. However the
 * kills land, the runs stored are exactly the simulator's, each once, and the checkpoint only
 * ever moves back in time (the walk goes from now into the past).
 */
describe('a worker killed again and again during a 5,000-activity backfill', () => {
  let t: TestDatabase;
  let sim: StravaSimulator;
  let server: TestServer;
  let dataDir: string;
  let requestsInFlight = 0;
  const running: CliProcess[] = [];

  beforeAll(async () => {
    t = await createPostgresTestDatabase();
    sim = createStravaSimulator({
      // The worker runs on the real clock: the simulated athlete's history ends now.
      clock: createManualClock(Date.now()),
      athletes: [{ seed: 'crash-runner', activityCount: ACTIVITIES, years: 8 }],
    });
    // Pages take 150–300 ms to answer, so there is a request out most of the time.
    sim.faults.set({ latencyMs: 150, jitterMs: 150 });
    server = await startServer({
      fetch: async (request: Request) => {
        requestsInFlight++;
        try {
          return await sim.app.fetch(request);
        } finally {
          requestsInFlight--;
        }
      },
    });
    dataDir = mkdtempSync(path.join(tmpdir(), 'stridesync-crash-'));
  });
  afterAll(async () => {
    for (const p of running) p.child.kill('SIGKILL');
    await Promise.all(running.map((p) => p.exited));
    await sim.close();
    await server.close();
    await t.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** How many slices the session has committed. */
  const slicesStored = async (sessionId: string) => {
    const { rows } = await t.db.query<{ n: string }>(
      `select count(*) as n from sync_events where session_id = $1 and type = 'slice:stored'`,
      [sessionId],
    );
    return Number(rows[0]?.n);
  };

  /**
   * Whether a worker's transaction has written and not yet committed; with `storing`, only the
   * transaction that stores a slice once it has written rows (its checkpoint not committed).
   */
  const writing = async ({ storing = false } = {}) => {
    const { rows } = await t.db.query<{ n: string }>(
      `select count(*) as n from pg_stat_activity
       where datname = current_database() and pid <> pg_backend_pid() and backend_xid is not null
         and (not $1 or query ilike '%activities%' or query ilike '%set checkpoint%')`,
      [storing],
    );
    return Number(rows[0]?.n) > 0;
  };

  /**
   * Waits for the moment aimed at: a page request out, then a random 0–100 ms; a slice's
   * transaction with its rows written, at once; a slice just committed, at once. Polls as fast
   * as the database answers. Returns the random delay.
   */
  async function approach(point: KillPoint, sessionId: string): Promise<number> {
    if (point === 'mid-request') {
      await until(async () => requestsInFlight > 0);
      return sleep(randomInt(0, 100));
    }
    if (point === 'mid-transaction') {
      await until(() => writing({ storing: true }));
      return 0;
    }
    const committed = await slicesStored(sessionId);
    await until(async () => (await slicesStored(sessionId)) > committed);
    return 0;
  }

  /**
   * Where the worker is as it dies: a page request the simulator has not answered, else a
   * database transaction that has written and not committed (a backend holding a transaction
   * id), else between slices.
   */
  async function killPoint(): Promise<KillPoint> {
    if (requestsInFlight > 0) return 'mid-request';
    return (await writing()) ? 'mid-transaction' : 'between slices';
  }

  it('ends with exactly the simulator’s runs, none missing, none twice, the checkpoint never going backwards', async () => {
    const key = randomBytes(32);
    const userId = await insertUser(t.db);
    const athleteId = [...sim.athletes.keys()][0] as number;
    const scopes = ['read', 'activity:read_all'];
    const store = createConnectionStore(createTokenCipher([{ version: 1, key }]));
    const issued = sim.issueTokens(athleteId, ['read', 'activity:read_all']);
    await store.saveTokens(
      t.db,
      userId,
      { ...issued },
      { athlete: { id: String(athleteId) }, scopes },
    );
    const queue = await openTestQueue(t.db);
    const { session } = await startSync(t.db, queue, {
      userId,
      kind: 'backfill',
      correlationId: 'crash-test',
    });
    await queue.stop({ timeoutMs: 0 });

    const env = {
      DATABASE_URL: t.url,
      STRIDESYNC_DATA_DIR: dataDir,
      STRAVA_CLIENT_ID: '12345',
      STRAVA_CLIENT_SECRET: 'sim-secret',
      STRAVA_API_URL: `${server.url}/api/v3`,
      STRAVA_OAUTH_URL: `${server.url}/oauth`,
      TOKEN_ENCRYPTION_KEY: key.toString('base64'),
      // This test is about crashes while fetching, so weather points at a local address that is
      // no weather service: the enrichment defers at its first call (a provider the operator
      // must fix) instead of geocoding thousands of runs, and nothing leaves this machine.
      OPEN_METEO_ARCHIVE_URL: `${server.url}/no-weather-here`,
      PLACE_PROVIDER: 'nominatim',
      NOMINATIM_URL: `${server.url}/no-geocoder-here`,
      LOG_LEVEL: 'info',
    };
    const startWorker = async () => {
      const worker = runCli(['worker', ...WORKER_FLAGS], env);
      running.push(worker);
      await worker.waitForOutput(/is working the queue/, 30_000);
      return worker;
    };

    const kills: Kill[] = [];
    for (let n = 0; n < KILLS; n++) {
      const started = Date.now();
      const before = await slicesStored(session.id);
      const worker = await startWorker();
      // Working again, past the dead worker's lease: a slice committed since the last kill.
      await waitFor(
        'the restarted worker to store a slice',
        async () => (await slicesStored(session.id)) > before,
      );
      const aimedAt = KILL_POINTS[n % KILL_POINTS.length] as KillPoint;
      const randomDelayMs = await approach(aimedAt, session.id);
      const landed = await killPoint();
      worker.child.kill('SIGKILL');
      await worker.exited;
      kills.push({
        aimedAt,
        landed,
        randomDelayMs,
        slicesStored: await slicesStored(session.id),
        cycleMs: Date.now() - started,
      });
      expect(await sessionStatus(t.db, session.id)).not.toBe('completed');
    }

    // Stopped politely mid-backfill: the run yields at its next slice, the job hands off, and the
    // worker exits 0 within its stop timeout; the next worker goes on at once, with no lease to
    // wait out.
    const before = await slicesStored(session.id);
    const stopping = await startWorker();
    await waitFor('a slice', async () => (await slicesStored(session.id)) > before);
    stopping.child.kill('SIGTERM');
    expect(await stopping.exited).toBe(0);
    expect(stopping.stdout()).toMatch(/stridesync worker \S+ stopped/);
    expect(await sessionStatus(t.db, session.id)).toBe('queued');

    const last = await startWorker();
    await waitFor(
      'the backfill to complete',
      async () => (await sessionStatus(t.db, session.id)) === 'completed',
      60_000,
    );
    last.child.kill('SIGTERM');
    expect(await last.exited).toBe(0);
    console.info(
      `crash test: ${kills.length} kills\n${kills.map((k) => JSON.stringify(k)).join('\n')}`,
    );

    const simRuns = sim
      .activitiesOf(athleteId)
      .filter((a) => RUN_TYPES.includes(a.sportType))
      .map((a) => String(a.id))
      .sort();
    const stored = await storedIds(t.db, userId);
    expect(new Set(stored).size).toBe(stored.length);
    expect([...stored].sort()).toEqual(simRuns);

    // Every activity counted in exactly one committed slice: none listed twice, none skipped.
    expect(await sessionStore.get(t.db, session.id)).toMatchObject({
      status: 'completed',
      activities_listed: ACTIVITIES,
      activities_stored: simRuns.length,
      activities_skipped: ACTIVITIES - simRuns.length,
      checkpoint: { cursor: null },
    });

    // The checkpoint never went backwards across the restarts: each committed slice's cursor is
    // at or before the previous one, and the last slice ends the walk.
    const { rows } = await t.db.query<{ payload: { cursorBefore: number | null } }>(
      `select payload from sync_events where session_id = $1 and type = 'slice:stored' order by id`,
      [session.id],
    );
    const cursors = rows.map((r) => r.payload.cursorBefore);
    expect(cursors.at(-1)).toBeNull();
    const walked = cursors.slice(0, -1);
    expect(walked.every((c) => typeof c === 'number')).toBe(true);
    for (let i = 1; i < walked.length; i++) {
      expect(walked[i]).toBeLessThanOrEqual(walked[i - 1] as number);
    }
    const { rows: starts } = await t.db.query(
      `select 1 from sync_events where session_id = $1 and type = 'sync:started'`,
      [session.id],
    );
    expect(starts.length).toBeGreaterThan(KILLS);
  }, 170_000);
});
