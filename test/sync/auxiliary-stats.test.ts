import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TransientError } from '../../src/core/errors.ts';
import { sessionStore } from '../../src/store/session-store.ts';
import { fetchAthleteStats } from '../../src/strava/athlete-stats.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
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

/**
 * Strava's athlete stats serve only the progress total of a backfill: an answer that does not
 * parse is a malformed answer like any other (transient, never internal_error), and the sync
 * goes on with an unknown total, saying so on its timeline.
 */
describe('a backfill whose athlete stats do not parse', () => {
  let t: TestDatabase;
  let h: StravaHarness;
  let userId: string;

  beforeAll(async () => {
    t = await createTestDatabase('pglite');
    h = await startStravaHarness(t.db, { activityCount: 60 });
  });
  beforeEach(async () => {
    h.sim.reset();
    await t.db.exec('delete from strava_connections; delete from sync_sessions');
    userId = await insertUser(t.db);
    await h.connect(userId);
  });
  afterAll(async () => {
    await h.close();
    await t.dispose();
  });

  it('is read by the client as a malformed answer, a TransientError', async () => {
    h.sim.faults.set({ malformedStats: true });
    const token = h.sim.issueTokens(Number(h.athleteId)).access_token;
    const failure = await fetchAthleteStats(h.client, token).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TransientError);
    expect(failure).toMatchObject({
      code: 'strava_malformed_response',
      userMessage: 'Strava sent an answer stridesync could not read.',
    });
    expect((failure as Error).message).toContain('/stats');
  });

  it('completes with every run and an unknown total, logged on the timeline', async () => {
    h.sim.faults.set({ malformedStats: true });
    const session = await startSession(t.db, userId);
    const { outcomes } = await runToEnd(syncDeps(t.db, h), session.id);
    expect(outcomes).toEqual([{ status: 'completed' }]);
    expect(await storedIds(t.db, userId)).toEqual(simRunIds(h));
    const done = await sessionStore.get(t.db, session.id);
    expect(done).toMatchObject({ status: 'completed', total_estimate: null, error_code: null });
    const types = await eventTypes(t.db, session.id);
    expect(types.slice(0, 4)).toEqual([
      'sync:started',
      'phase:authenticating',
      'total:unknown',
      'phase:fetching',
    ]);
    const { rows } = await t.db.query<{ payload: { code: string; message: string } }>(
      `select payload from sync_events where session_id = $1 and type = 'total:unknown'`,
      [session.id],
    );
    expect(rows[0]?.payload).toEqual({
      code: 'strava_malformed_response',
      message: 'Strava sent an answer stridesync could not read.',
    });
  });
});
