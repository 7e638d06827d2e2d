import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.ts';
import { createApp } from '../../src/http/app.ts';
import { createJwtVerifier, signAccessToken } from '../../src/http/jwt.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { MAX_STREAMS_PER_USER, WATCH_POLL_MS } from '../../src/progress/session-watches.ts';
import type { Database } from '../../src/store/database.ts';
import { sessionStore } from '../../src/store/session-store.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';
import { readEvents } from '../support/sse-events.ts';
import { errorOf, JWT_SECRET } from './test-app.ts';

/** The real database, with a count of the reads of one session's row (what each poll costs). */
function countingSessionReads(db: Database) {
  const counter = { reads: 0 };
  const counted: Database = {
    ...db,
    query: (text, params) => {
      if (/from sync_sessions/i.test(text) && !/for update/i.test(text)) counter.reads += 1;
      return db.query(text, params);
    },
  };
  return { db: counted, counter };
}

describe('live-progress streams: one poll per session, a cap per user', () => {
  let t: TestDatabase;
  let app: ReturnType<typeof createApp>;
  let counter: { reads: number };

  beforeAll(async () => {
    t = await createTestDatabase('pglite');
    const counting = countingSessionReads(t.db);
    counter = counting.counter;
    app = createApp({
      db: counting.db,
      clock: systemClock,
      logger: createLogger('silent'),
      auth: createJwtVerifier({ secret: JWT_SECRET }),
    });
  });
  afterAll(async () => {
    await t.dispose();
  });

  async function userWithSession() {
    const userId = await insertUser(t.db);
    const { session } = await sessionStore.start(t.db, {
      userId,
      kind: 'backfill',
      correlationId: 'streams',
    });
    const authorization = `Bearer ${await signAccessToken(JWT_SECRET, { sub: userId })}`;
    const open = () =>
      app.request(`/api/syncs/${session.id}/events`, { headers: { authorization } });
    return { session, open };
  }

  it('refuses a stream past the cap with 429, frees a slot when a stream closes, and shares one poll', {
    timeout: 30_000,
  }, async () => {
    const runner = await userWithSession();
    const streams = [];
    for (let i = 0; i < MAX_STREAMS_PER_USER; i++) {
      const response = await runner.open();
      expect(response.status).toBe(200);
      const stream = readEvents(response);
      await stream.waitFor((e) => e.event === 'snapshot');
      streams.push(stream);
    }

    const refused = await runner.open();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await errorOf(refused)).code).toBe('too_many_streams');

    // Someone else is not held back by this runner's streams.
    const other = await userWithSession();
    const theirs = await other.open();
    expect(theirs.status).toBe(200);
    const theirStream = readEvents(theirs);
    await theirStream.waitFor((e) => e.event === 'snapshot');

    // Two polls' worth of time: each session's row is read once a poll, however many watch it.
    const before = counter.reads;
    await new Promise((resolve) => setTimeout(resolve, 2 * WATCH_POLL_MS + 500));
    const sessionsWatched = 2;
    expect(counter.reads - before).toBeLessThanOrEqual(3 * sessionsWatched);
    expect(counter.reads - before).toBeGreaterThanOrEqual(sessionsWatched);

    // A change reaches every stream of the session from that one read.
    await t.db.query(
      `update sync_sessions set status = 'running', activities_stored = 42 where id = $1`,
      [runner.session.id],
    );
    await Promise.all(
      streams.map((s) =>
        s.waitFor((e) => e.event === 'progress' && e.data.counts.stored === 42, 10_000),
      ),
    );

    await streams[0]!.cancel();
    let reopened: Response | undefined;
    for (let attempt = 0; attempt < 50 && reopened?.status !== 200; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      reopened = await runner.open();
    }
    expect(reopened?.status).toBe(200);

    await t.db.query(
      `update sync_sessions set status = 'completed', finished_at = now() where id in ($1, $2)`,
      [runner.session.id, other.session.id],
    );
    await Promise.all([...streams.slice(1), theirStream].map((s) => s.ended));
  });
});
