import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sessionStore } from '../../src/store/session-store.ts';
import { ADAPTERS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';
import { type StravaHarness, startStravaHarness } from '../support/strava-harness.ts';
import { eventTypes, runToEnd, startSession, syncDeps } from './sync-harness.ts';

const DAY_MS = 24 * 3600 * 1000;

describe.each(ADAPTERS)('webhook events and reconcile on %s', (kind) => {
  let t: TestDatabase;
  let h: StravaHarness;
  let userId: string;
  let athlete: number;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    h = await startStravaHarness(t.db, { activityCount: 120 });
    athlete = Number(h.athleteId);
  });
  beforeEach(async () => {
    h.sim.reset();
    await t.db.exec(
      'delete from strava_connections; delete from activities; delete from sync_sessions',
    );
    userId = await insertUser(t.db);
    await h.connect(userId);
    await runToEnd(syncDeps(t.db, h), (await startSession(t.db, userId)).id);
  });
  afterAll(async () => {
    await h.close();
    await t.dispose();
  });

  /** Applies one event as the webhook would hand it over: an `event` session with it as input. */
  async function applyEvent(event: Record<string, unknown>, purgeOnDeauthorize = false) {
    const { session } = await sessionStore.start(t.db, {
      userId,
      kind: 'event',
      correlationId: 'webhook',
      input: {
        owner_id: athlete,
        subscription_id: 1,
        event_time: 1_700_000_000,
        updates: {},
        ...event,
      },
    });
    await runToEnd(syncDeps(t.db, h, { purgeOnDeauthorize }), session.id);
    const { rows } = await t.db.query<{ payload: { action: string } }>(
      `select payload from sync_events where session_id = $1 and type = 'event:applied'`,
      [session.id],
    );
    return { session: await sessionStore.get(t.db, session.id), action: rows[0]?.payload.action };
  }
  const stored = async (id: number | string) =>
    (
      await t.db.query<{ name: string; deleted_at: Date | null }>(
        'select name, deleted_at from activities where id = $1',
        [String(id)],
      )
    ).rows[0];
  const latestRun = () =>
    h.sim
      .activitiesOf(athlete)
      .filter((a) => a.sportType === 'Run')
      .at(-1)!;

  it('create: the new run is fetched and stored, once however often the event comes', async () => {
    const created = h.sim.createActivity(
      athlete,
      { sportType: 'Run', name: 'Lunch run' },
      { deliverWebhooks: false },
    );
    const first = await applyEvent({
      aspect_type: 'create',
      object_type: 'activity',
      object_id: created.id,
    });
    expect(first).toMatchObject({
      action: 'stored',
      session: { status: 'completed', activities_stored: 1 },
    });
    expect(await stored(created.id)).toMatchObject({ name: 'Lunch run', deleted_at: null });
    expect(
      (await applyEvent({ aspect_type: 'create', object_type: 'activity', object_id: created.id }))
        .action,
    ).toBe('unchanged');
  });

  it('update: a new title arrives; a run turned into a ride leaves', async () => {
    const run = latestRun();
    h.sim.editActivity(run.id, { name: 'Renamed' }, { deliverWebhooks: false });
    expect(
      (
        await applyEvent({
          aspect_type: 'update',
          object_type: 'activity',
          object_id: run.id,
          updates: { title: 'Renamed' },
        })
      ).action,
    ).toBe('stored');
    expect(await stored(run.id)).toMatchObject({ name: 'Renamed', deleted_at: null });
    h.sim.editActivity(run.id, { sportType: 'Ride' }, { deliverWebhooks: false });
    expect(
      (
        await applyEvent({
          aspect_type: 'update',
          object_type: 'activity',
          object_id: run.id,
          updates: { type: 'Ride' },
        })
      ).action,
    ).toBe('not_a_run');
    expect((await stored(run.id))?.deleted_at).toBeInstanceOf(Date);
  });

  it('delete: soft-deleted once Strava confirms; an update for an activity Strava no longer has deletes it too', async () => {
    const [a, b] = h.sim
      .activitiesOf(athlete)
      .filter((x) => x.sportType === 'Run')
      .slice(-2);
    // Strava still has it: the event is not believed, the run stays.
    expect(
      (await applyEvent({ aspect_type: 'delete', object_type: 'activity', object_id: a!.id }))
        .action,
    ).toBe('unconfirmed');
    expect((await stored(a!.id))?.deleted_at).toBeNull();
    h.sim.deleteActivity(a!.id, { deliverWebhooks: false });
    expect(
      (await applyEvent({ aspect_type: 'delete', object_type: 'activity', object_id: a!.id }))
        .action,
    ).toBe('deleted');
    expect((await stored(a!.id))?.deleted_at).toBeInstanceOf(Date);
    h.sim.deleteActivity(b!.id, { deliverWebhooks: false });
    expect(
      (await applyEvent({ aspect_type: 'update', object_type: 'activity', object_id: b!.id }))
        .action,
    ).toBe('deleted');
    expect((await stored(b!.id))?.deleted_at).toBeInstanceOf(Date);
  });

  it('a deauthorization Strava does not confirm (the token still works) changes nothing', async () => {
    const { action, session } = await applyEvent(
      {
        aspect_type: 'update',
        object_type: 'athlete',
        object_id: athlete,
        updates: { authorized: 'false' },
      },
      true,
    );
    expect({ action, status: session?.status }).toEqual({
      action: 'unconfirmed',
      status: 'completed',
    });
    expect((await h.store.load(t.db, userId)).athleteId).toBe(String(athlete));
    expect(await stored(latestRun().id)).toMatchObject({ deleted_at: null });
  });

  it.each([
    [false, 'keeps'],
    [true, 'purges'],
  ])('deauthorization revokes the connection and, with purge=%s, %s the runs', async (purge) => {
    const before = (await t.db.query('select 1 from activities where user_id = $1', [userId]))
      .rowCount;
    h.sim.deauthorize(athlete, { deliverWebhooks: false });
    const { action, session } = await applyEvent(
      {
        aspect_type: 'update',
        object_type: 'athlete',
        object_id: athlete,
        updates: { authorized: 'false' },
      },
      purge,
    );
    expect({ action, status: session?.status }).toEqual({ action: 'revoked', status: 'completed' });
    await expect(h.store.load(t.db, userId)).rejects.toMatchObject({
      code: 'strava_reconnect_required',
    });
    const after = (await t.db.query('select 1 from activities where user_id = $1', [userId]))
      .rowCount;
    expect(after).toBe(purge ? 0 : before);
  });

  it('reconcile catches an edit and a deletion Strava sent no webhook for', async () => {
    for (let i = 0; i < 4; i++) {
      h.clock.advance(DAY_MS);
      h.sim.createActivity(
        athlete,
        { sportType: 'Run', name: `Recent ${i}` },
        { deliverWebhooks: false },
      );
    }
    await runToEnd(syncDeps(t.db, h), (await startSession(t.db, userId, 'incremental')).id);
    const recent = h.sim.activitiesOf(athlete).filter((a) => a.name.startsWith('Recent'));
    h.sim.editActivity(recent[0]!.id, { name: 'Edited quietly' }, { deliverWebhooks: false });
    h.sim.deleteActivity(recent[1]!.id, { deliverWebhooks: false });
    const { session } = await sessionStore.start(t.db, {
      userId,
      kind: 'reconcile',
      correlationId: 'r',
    });
    await runToEnd(syncDeps(t.db, h), session.id);
    expect(await stored(recent[0]!.id)).toMatchObject({ name: 'Edited quietly', deleted_at: null });
    expect((await stored(recent[1]!.id))?.deleted_at).toBeInstanceOf(Date);
    expect((await stored(recent[2]!.id))?.deleted_at).toBeNull();
    expect(await eventTypes(t.db, session.id)).toContain('reconcile:deleted');
  });

  it('reconcile refuses a mass deletion on a listing that lost most of the window', async () => {
    for (let i = 0; i < 10; i++) {
      h.clock.advance(DAY_MS);
      h.sim.createActivity(
        athlete,
        { sportType: 'Run', name: `Window ${i}` },
        { deliverWebhooks: false },
      );
    }
    await runToEnd(syncDeps(t.db, h), (await startSession(t.db, userId, 'incremental')).id);
    for (const activity of h.sim
      .activitiesOf(athlete)
      .filter((a) => a.name.startsWith('Window'))
      .slice(0, 9)) {
      h.sim.deleteActivity(activity.id, { deliverWebhooks: false });
    }
    const { session } = await sessionStore.start(t.db, {
      userId,
      kind: 'reconcile',
      correlationId: 'r',
    });
    await runToEnd(syncDeps(t.db, h), session.id);
    const { rows } = await t.db.query(
      `select 1 from activities where user_id = $1 and name like 'Window%' and deleted_at is null`,
      [userId],
    );
    expect(rows).toHaveLength(10);
    expect(await eventTypes(t.db, session.id)).toContain('reconcile:refused');
  });
});
