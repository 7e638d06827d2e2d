import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_LEASE_TTL_MS } from '../../src/config/defaults.ts';
import { sessionStore } from '../../src/store/session-store.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { hasGps } from '../sim/strava-helpers.ts';
import { ADAPTERS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';
import { type StravaHarness, startStravaHarness } from '../support/strava-harness.ts';
import {
  eventTypes,
  runToEnd,
  simRunIds,
  startSession,
  storedIds,
  syncDeps,
} from './sync-harness.ts';

describe.each(ADAPTERS)('the sync runner on %s against the simulator', (kind) => {
  let t: TestDatabase;
  let h: StravaHarness;
  let userId: string;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    h = await startStravaHarness(t.db, { activityCount: 260 });
  });
  beforeEach(async () => {
    h.sim.reset();
    await t.db.exec(
      'delete from strava_connections; delete from activities; delete from sync_sessions',
    );
    userId = await insertUser(t.db);
    await h.connect(userId);
  });
  afterAll(async () => {
    await h.close();
    await t.dispose();
  });

  it('stores every run exactly once, with the timeline in order', async () => {
    const session = await startSession(t.db, userId);
    const { outcomes } = await runToEnd(syncDeps(t.db, h), session.id, { perPage: 100 });
    expect(outcomes).toEqual([{ status: 'completed' }]);
    expect(await storedIds(t.db, userId)).toEqual(simRunIds(h));
    const done = await sessionStore.get(t.db, session.id);
    expect(done).toMatchObject({
      status: 'completed',
      phase: 'finalizing',
      activities_listed: 260,
      activities_stored: simRunIds(h).length,
      activities_skipped: 260 - simRunIds(h).length,
      lease_owner: null,
      checkpoint: { cursor: null },
    });
    expect(done?.skipped_reasons).toEqual({ not_a_run: 260 - simRunIds(h).length });
    expect(done?.total_estimate).toBeGreaterThan(0);
    expect(await eventTypes(t.db, session.id)).toEqual([
      'sync:started',
      'phase:authenticating',
      'phase:fetching',
      'slice:stored',
      'slice:stored',
      'slice:stored',
      'phase:finalizing',
      'sync:completed',
    ]);
  });

  it('resumed from every slice boundary, ends exactly as an uninterrupted sync', async () => {
    const session = await startSession(t.db, userId);
    // A deadline already past: every run stores one slice, checkpoints and yields.
    const { outcomes } = await runToEnd(syncDeps(t.db, h), session.id, {
      perPage: 40,
      deadlineMs: 0,
      leaseTtlMs: DEFAULT_LEASE_TTL_MS,
    });
    const slices = Math.ceil(260 / 40);
    expect(outcomes.filter((o) => o.status === 'yielded')).toHaveLength(slices - 1);
    expect(outcomes.at(-1)).toEqual({ status: 'completed' });
    expect(await storedIds(t.db, userId)).toEqual(simRunIds(h));
    const events = await eventTypes(t.db, session.id);
    expect(events.slice(0, 5)).toEqual([
      'sync:started',
      'phase:authenticating',
      'phase:fetching',
      'slice:stored',
      'sync:yielded',
    ]);
    expect(events.filter((e) => e === 'slice:stored')).toHaveLength(slices);
    expect(events.slice(-4)).toEqual([
      'sync:started',
      'slice:stored',
      'phase:finalizing',
      'sync:completed',
    ]);
    const { rows } = await t.db.query<{ payload: { cursorBefore: number | null } }>(
      `select payload from sync_events where session_id = $1 and type = 'slice:stored' order by id`,
      [session.id],
    );
    const cursors = rows.map((r) => r.payload.cursorBefore ?? 0);
    expect([...cursors].sort((a, b) => b - a)).toEqual(cursors);
  });

  it('one user asking many times at once gets one session', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        sessionStore.start(t.db, { userId, kind: 'backfill', correlationId: 'c' }),
      ),
    );
    expect(new Set(results.map((r) => r.session.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
  });

  it('never lets two workers hold one session', async () => {
    const session = await startSession(t.db, userId);
    const now = h.clock.now();
    const claims = await Promise.all(
      ['a', 'b', 'c', 'd'].map((owner) => sessionStore.claim(t.db, session.id, owner, now, 60_000)),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
    const outcome = await runSync(syncDeps(t.db, h), {
      sessionId: session.id,
      owner: 'e',
      deadlineMs: Number.MAX_SAFE_INTEGER,
      leaseTtlMs: DEFAULT_LEASE_TTL_MS,
    });
    expect(outcome).toEqual({ status: 'not_claimed' });
    // The holder crashed: once its lease expires, another worker takes over and finishes.
    h.clock.advance(61_000);
    expect(
      await runSync(syncDeps(t.db, h), {
        sessionId: session.id,
        owner: 'e',
        deadlineMs: Number.MAX_SAFE_INTEGER,
        leaseTtlMs: DEFAULT_LEASE_TTL_MS,
      }),
    ).toEqual({
      status: 'completed',
    });
    expect(await storedIds(t.db, userId)).toEqual(simRunIds(h));
  });

  it('cancel stops within one slice, keeps what was stored, and the next backfill continues from there', async () => {
    const session = await startSession(t.db, userId);
    let pages = 0;
    const client = {
      ...h.client,
      async listActivities(token: string, params: Parameters<typeof h.client.listActivities>[1]) {
        pages++;
        if (pages === 2) await sessionStore.requestCancel(t.db, session.id, h.clock.now());
        return h.client.listActivities(token, params);
      },
    };
    const deps = syncDeps(t.db, h, { strava: { client, tokens: h.tokens, connections: h.store } });
    expect(
      await runSync(deps, {
        sessionId: session.id,
        owner: 'w',
        deadlineMs: Number.MAX_SAFE_INTEGER,
        leaseTtlMs: DEFAULT_LEASE_TTL_MS,
        perPage: 50,
      }),
    ).toEqual({
      status: 'cancelled',
    });
    expect(pages).toBe(2);
    const cancelled = await sessionStore.get(t.db, session.id);
    expect(cancelled?.status).toBe('cancelled');
    // Two slices of 50 (less any record seen twice at a slice boundary), not three.
    expect(cancelled?.activities_listed).toBeGreaterThan(50);
    expect(cancelled?.activities_listed).toBeLessThanOrEqual(100);
    expect((await storedIds(t.db, userId)).length).toBe(cancelled?.activities_stored);

    const next = await startSession(t.db, userId);
    await runToEnd(deps, next.id, { perPage: 50 });
    expect(await storedIds(t.db, userId)).toEqual(simRunIds(h));
    const resumed = await sessionStore.get(t.db, next.id);
    expect(resumed?.status).toBe('completed');
    // It went on from the cancelled session's checkpoint: together they listed each activity once.
    expect((resumed?.activities_listed ?? 0) + (cancelled?.activities_listed ?? 0)).toBe(260);
  });

  it('a cancel asked while authenticating stops the sync before its first page', async () => {
    const session = await startSession(t.db, userId);
    let pages = 0;
    const client = {
      ...h.client,
      async getAthleteStats(token: string, athleteId: string) {
        await sessionStore.requestCancel(t.db, session.id, h.clock.now());
        return h.client.getAthleteStats(token, athleteId);
      },
      async listActivities(token: string, params: Parameters<typeof h.client.listActivities>[1]) {
        pages++;
        return h.client.listActivities(token, params);
      },
    };
    const deps = syncDeps(t.db, h, { strava: { client, tokens: h.tokens, connections: h.store } });
    expect(
      await runSync(deps, {
        sessionId: session.id,
        owner: 'w',
        deadlineMs: Number.MAX_SAFE_INTEGER,
        leaseTtlMs: DEFAULT_LEASE_TTL_MS,
      }),
    ).toEqual({ status: 'cancelled' });
    expect(pages).toBe(0);
    expect(await sessionStore.get(t.db, session.id)).toMatchObject({
      status: 'cancelled',
      phase: 'fetching',
      activities_listed: 0,
    });
    expect(await eventTypes(t.db, session.id)).toEqual([
      'sync:started',
      'phase:authenticating',
      'phase:fetching',
      'sync:cancelled',
    ]);
  });

  it('parks as rate_limited until the window resets, then completes', async () => {
    h.sim.rateLimiter().limits.read.fifteenMinute = 3;
    const session = await startSession(t.db, userId);
    const deps = syncDeps(t.db, h);
    const first = await runSync(deps, {
      sessionId: session.id,
      owner: 'w',
      deadlineMs: Number.MAX_SAFE_INTEGER,
      leaseTtlMs: DEFAULT_LEASE_TTL_MS,
      perPage: 50,
    });
    expect(first.status).toBe('rate_limited');
    const parked = await sessionStore.get(t.db, session.id);
    expect(parked).toMatchObject({
      status: 'rate_limited',
      lease_owner: null,
      error_code: 'rate_limited',
    });
    const resumeAt = (first as { resumeAt: Date }).resumeAt;
    expect(parked?.resume_at).toEqual(resumeAt);
    expect(resumeAt.getTime() % (15 * 60_000)).toBe(0);
    // Not before its time.
    expect(
      await runSync(deps, {
        sessionId: session.id,
        owner: 'w',
        deadlineMs: Number.MAX_SAFE_INTEGER,
        leaseTtlMs: DEFAULT_LEASE_TTL_MS,
      }),
    ).toEqual({
      status: 'not_claimed',
    });
    const outcomes = [first];
    for (let window = 0; window < 20 && outcomes.at(-1)?.status !== 'completed'; window++) {
      h.clock.set(
        ((outcomes.at(-1) as { resumeAt?: Date }).resumeAt ?? new Date(h.clock.now())).getTime() +
          1000,
      );
      outcomes.push(
        await runSync(deps, {
          sessionId: session.id,
          owner: 'w',
          deadlineMs: Number.MAX_SAFE_INTEGER,
          leaseTtlMs: DEFAULT_LEASE_TTL_MS,
          perPage: 50,
        }),
      );
    }
    expect(outcomes.at(-1)).toEqual({ status: 'completed' });
    expect(await storedIds(t.db, userId)).toEqual(simRunIds(h));
    expect(h.sim.inspect().byEndpoint['GET /api/v3/athlete/activities']?.['429']).toBeUndefined();
    expect(await eventTypes(t.db, session.id)).toContain('budget:exhausted');
  });

  it('an unchanged re-sync writes zero rows, and counts none as new or changed', async () => {
    const first = await startSession(t.db, userId);
    await runToEnd(syncDeps(t.db, h), first.id, { perPage: 200 });
    const versions = async () =>
      (
        await t.db.query<{ v: string }>(
          `select id || ':' || xmin::text as v from activities order by id`,
        )
      ).rows.map((r) => r.v);
    const before = await versions();
    const again = await startSession(t.db, userId);
    await runToEnd(syncDeps(t.db, h), again.id, { perPage: 200 });
    expect(await versions()).toEqual(before);
    const { rows } = await t.db.query<{ payload: { stored: number; unchanged: number } }>(
      `select payload from sync_events where session_id = $1 and type = 'slice:stored'`,
      [again.id],
    );
    expect(rows.reduce((sum, r) => sum + r.payload.stored, 0)).toBe(0);
    expect(rows.reduce((sum, r) => sum + r.payload.unchanged, 0)).toBe(simRunIds(h).length);
    const counts = async (id: string) => (await sessionStore.get(t.db, id))!;
    expect(await counts(first.id)).toMatchObject({
      activities_stored: simRunIds(h).length,
      activities_changed: simRunIds(h).length,
    });
    expect(await counts(again.id)).toMatchObject({
      activities_stored: simRunIds(h).length,
      activities_changed: 0,
    });
  });

  it('an edit reaches the stored run on the next sync, weather kept unless the place or time moved', async () => {
    await runToEnd(syncDeps(t.db, h), (await startSession(t.db, userId)).id);
    // Two runs outdoors with GPS: weather only ever applies to those.
    const [first, second] = simRunIds(h).filter((id) => {
      const run = h.sim.activity(Number(id));
      return run && hasGps(run) && !run.trainer && !run.sportType.startsWith('Virtual');
    });
    await t.db.query(
      `update activities set weather_status = 'enriched', temperature_c = 12.5 where id in ($1, $2)`,
      [first, second],
    );
    h.sim.editActivity(Number(first), { name: 'Renamed on Strava' });
    const moved = h.sim.activity(Number(second))!;
    h.sim.editActivity(Number(second), { startMs: moved.startMs - 3_600_000 });
    await runToEnd(syncDeps(t.db, h), (await startSession(t.db, userId)).id);
    const { rows } = await t.db.query<{ id: string; name: string; weather_status: string }>(
      'select id, name, weather_status from activities where id in ($1, $2) order by id',
      [first, second],
    );
    expect(rows.find((r) => r.id === first)).toMatchObject({
      name: 'Renamed on Strava',
      weather_status: 'enriched',
    });
    expect(rows.find((r) => r.id === second)).toMatchObject({ weather_status: 'pending' });
  });

  it('fails with "Reconnect Strava" when the athlete revoked access, losing nothing stored', async () => {
    h.sim.deauthorize(Number(h.athleteId), { deliverWebhooks: false });
    const session = await startSession(t.db, userId);
    expect(
      await runSync(syncDeps(t.db, h), {
        sessionId: session.id,
        owner: 'w',
        deadlineMs: Number.MAX_SAFE_INTEGER,
        leaseTtlMs: DEFAULT_LEASE_TTL_MS,
      }),
    ).toEqual({
      status: 'failed',
      code: 'strava_reconnect_required',
    });
    expect(await sessionStore.get(t.db, session.id)).toMatchObject({
      status: 'failed',
      error_failure_type: 'config',
      error_message: expect.stringContaining('Reconnect Strava'),
      error_hint: expect.stringContaining('Connect Strava again'),
    });
  });
});
