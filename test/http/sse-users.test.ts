import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LEASE_TTL_MS } from '../../src/config/defaults.ts';
import { systemClock } from '../../src/core/clock.ts';
import { createApp } from '../../src/http/app.ts';
import { createJwtVerifier, signAccessToken } from '../../src/http/jwt.ts';
import { type RunningServer, startServer } from '../../src/http/node-server.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createProgressHub, type ProgressHub } from '../../src/progress/progress-hub.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';
import { readEvents } from '../support/sse-events.ts';
import { type StravaHarness, startStravaHarness } from '../support/strava-harness.ts';
import { startSession, syncDeps } from '../sync/sync-harness.ts';
import { errorOf, JWT_SECRET } from './test-app.ts';

/**
 * Several users sync at once against the Strava simulator, each watching their own session over
 * Server-Sent Events from one server: one LISTEN on real Postgres, fanned out by the progress hub.
 * Each athlete has a different number of activities, so one user's numbers in another's stream
 * would show.
 */
const USERS = 6;
const SLICE = 10;
/** Between slices, so each throttled stream (≤ 2 updates a second) sees the sync under way. */
const SLICE_PAUSE_MS = 150;

interface Runner {
  userId: string;
  athleteId: number;
  sessionId: string;
  authorization: string;
}

describe('live progress while several users sync at once, on Postgres', () => {
  let t: TestDatabase;
  let h: StravaHarness;
  let hub: ProgressHub;
  let server: RunningServer;
  const runners: Runner[] = [];
  /** What the hub handed each topic's subscribers: the broadcasts behind the streams' wake-ups. */
  const broadcasts = new Map<string, Record<string, unknown>[]>();

  beforeAll(async () => {
    t = await createTestDatabase('postgres');
    h = await startStravaHarness(t.db, {
      sim: {
        athletes: Array.from({ length: USERS }, (_, i) => ({
          seed: `sse-runner-${i}`,
          activityCount: 30 + 23 * i,
          years: 1,
        })),
      },
    });
    hub = createProgressHub(t.db, createLogger('silent'));
    const watchedHub: ProgressHub = {
      subscribe: (topic, onMessage) =>
        hub.subscribe(topic, (payload) => {
          broadcasts.set(topic, [...(broadcasts.get(topic) ?? []), payload]);
          onMessage(payload);
        }),
      close: () => hub.close(),
    };
    server = await startServer(
      createApp({
        db: t.db,
        clock: systemClock,
        logger: createLogger('silent'),
        auth: createJwtVerifier({ secret: JWT_SECRET }),
        progressHub: watchedHub,
      }),
      { port: 0 },
    );
    for (const athleteId of h.sim.athletes.keys()) {
      const userId = await insertUser(t.db);
      const scopes = ['read', 'activity:read_all'] as const;
      const tokens = h.sim.issueTokens(athleteId, [...scopes]);
      await h.store.saveTokens(
        t.db,
        userId,
        { ...tokens },
        { athlete: { id: String(athleteId) }, scopes: [...scopes] },
      );
      runners.push({
        userId,
        athleteId,
        sessionId: (await startSession(t.db, userId)).id,
        authorization: `Bearer ${await signAccessToken(JWT_SECRET, { sub: userId })}`,
      });
    }
  });
  afterAll(async () => {
    await server.close();
    await hub.close();
    await h.close();
    await t.dispose();
  });

  const open = (sessionId: string, authorization?: string) =>
    fetch(`${server.url}/api/syncs/${sessionId}/events`, {
      headers: authorization ? { authorization } : {},
    });

  /** Slice by slice, as workers run it, with a pause between slices. */
  async function syncToEnd(sessionId: string): Promise<void> {
    for (let run = 0; run < 100; run++) {
      const outcome = await runSync(syncDeps(t.db, h), {
        sessionId,
        owner: `worker-${sessionId}`,
        deadlineMs: 0,
        leaseTtlMs: DEFAULT_LEASE_TTL_MS,
        perPage: SLICE,
      });
      if (outcome.status === 'completed') return;
      if (outcome.status !== 'yielded') throw new Error(`sync ended ${JSON.stringify(outcome)}`);
      await new Promise((resolve) => setTimeout(resolve, SLICE_PAUSE_MS));
    }
    throw new Error(`session ${sessionId} did not complete`);
  }

  it('streams each user their own session and nothing of anyone else’s', async () => {
    const streams = await Promise.all(
      runners.map(async (runner) => {
        const response = await open(runner.sessionId, runner.authorization);
        expect(response.status).toBe(200);
        return readEvents(response);
      }),
    );
    await Promise.all(runners.map((runner) => syncToEnd(runner.sessionId)));
    const received = await Promise.all(streams.map((stream) => stream.ended));

    const { rows } = await t.db.query<{ user_id: string; runs: number }>(
      'select user_id, count(*)::int as runs from activities group by user_id',
    );
    const runsOf = new Map(rows.map((row) => [row.user_id, row.runs]));
    expect(new Set(runsOf.values()).size, 'every athlete a different number of runs').toBe(USERS);

    runners.forEach((runner, i) => {
      const events = received[i]!;
      const others = runners.filter((other) => other !== runner).map((other) => other.sessionId);
      expect(events.map((e) => e.data.id)).toEqual(events.map(() => runner.sessionId));
      expect(JSON.stringify(events)).not.toMatch(new RegExp(others.join('|')));
      expect(events[0]).toMatchObject({ event: 'snapshot', data: { status: 'queued' } });
      // The sync under way, then its end: this user's runs, counted up and never down.
      const stored = events.map((e) => e.data.counts.stored);
      expect(stored).toEqual([...stored].sort((a, b) => a - b));
      expect(events.some((e) => e.event === 'progress' && e.data.status === 'running')).toBe(true);
      expect(events.at(-1)).toMatchObject({
        event: 'progress',
        data: { status: 'completed', counts: { stored: runsOf.get(runner.userId) } },
      });
      // Woken by their own topic's NOTIFYs, which carried this session and no other.
      const heard = broadcasts.get(`sync:${runner.userId}`) ?? [];
      expect(heard.map((payload) => payload.sessionId)).toEqual(heard.map(() => runner.sessionId));
      expect(heard).toContainEqual(
        expect.objectContaining({ status: 'completed', stored: runsOf.get(runner.userId) }),
      );
    });
  });

  it('refuses to open another user’s stream, or one without a sign-in', async () => {
    for (const [i, runner] of runners.entries()) {
      const neighbour = runners[(i + 1) % runners.length]!;
      const response = await open(neighbour.sessionId, runner.authorization);
      expect(response.status).toBe(404);
      expect(await errorOf(response)).toMatchObject({ code: 'sync_not_found' });
    }
    const anonymous = await open(runners[0]!.sessionId);
    expect(anonymous.status).toBe(401);
    expect((await errorOf(anonymous)).code).toBe('missing_token');
  });
});
