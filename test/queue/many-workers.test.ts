import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSync } from '../../src/queue/start-sync.ts';
import { startWorkers, type Workers } from '../../src/queue/start-workers.ts';
import { sessionStore } from '../../src/store/session-store.ts';
import { ADAPTERS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';
import { type StravaHarness, startStravaHarness } from '../support/strava-harness.ts';
import { RUN_TYPES, storedIds, syncDeps } from '../sync/sync-harness.ts';
import { sessionStatus, TEST_WORKER, waitFor } from './queue-harness.ts';

const RUNNERS = ['runner-a', 'runner-b', 'runner-c'];
const ACTIVITIES = 120;

describe.each(ADAPTERS)('several workers on one %s database', (kind) => {
  let t: TestDatabase;
  let h: StravaHarness;
  const workers: Workers[] = [];

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    h = await startStravaHarness(t.db, {
      sim: {
        athletes: RUNNERS.map((seed) => ({ seed, activityCount: ACTIVITIES, years: 2 })),
      },
    });
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop(1000)));
    await h.close();
    await t.dispose();
  });

  it('share the sessions, each worked by one of them at a time, every run stored once', async () => {
    const athletes = [...h.sim.athletes.keys()];
    const users: { userId: string; athleteId: number }[] = [];
    for (const athleteId of athletes) {
      const userId = await insertUser(t.db);
      const scopes = ['read', 'activity:read_all'];
      const issued = h.sim.issueTokens(athleteId, ['read', 'activity:read_all']);
      await h.store.saveTokens(
        t.db,
        userId,
        { ...issued },
        { athlete: { id: String(athleteId) }, scopes },
      );
      users.push({ userId, athleteId });
    }
    // Two workers, two slots each; every job stores one slice and hands off, so sessions pass
    // from worker to worker all the way through.
    const pages = new Map<string, number>();
    for (const owner of ['worker-1', 'worker-2']) {
      const client = {
        ...h.client,
        listActivities: (token: string, params: Parameters<typeof h.client.listActivities>[1]) => {
          pages.set(owner, (pages.get(owner) ?? 0) + 1);
          return h.client.listActivities(token, params);
        },
      };
      const deps = syncDeps(t.db, h, {
        strava: { client, tokens: h.tokens, connections: h.store },
      });
      workers.push(
        await startWorkers(deps, {
          ...TEST_WORKER,
          owner,
          concurrency: 2,
          jobDeadlineMs: 0,
          perPage: 50,
        }),
      );
    }
    const sessions = await Promise.all(
      users.map(({ userId }) =>
        startSync(t.db, workers[0]!.queue, { userId, kind: 'backfill', correlationId: userId }),
      ),
    );
    for (const { session } of sessions) {
      await waitFor(
        'every session to complete',
        async () => (await sessionStatus(t.db, session.id)) === 'completed',
        60_000,
      );
    }

    for (const [i, { userId, athleteId }] of users.entries()) {
      const runs = h.sim
        .activitiesOf(athleteId)
        .filter((a) => RUN_TYPES.includes(a.sportType))
        .map((a) => String(a.id))
        .sort();
      expect([...(await storedIds(t.db, userId))].sort()).toEqual(runs);
      // Each activity in exactly one committed slice: no slice was stored by two workers.
      expect(await sessionStore.get(t.db, sessions[i]!.session.id)).toMatchObject({
        activities_listed: ACTIVITIES,
        activities_stored: runs.length,
      });
    }
    expect([...pages.keys()].sort()).toEqual(['worker-1', 'worker-2']);
  });
});
