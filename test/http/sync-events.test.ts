import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.ts';
import { createApp } from '../../src/http/app.ts';
import { createJwtVerifier, signAccessToken } from '../../src/http/jwt.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createProgressHub, type ProgressHub } from '../../src/progress/progress-hub.ts';
import { sessionStore } from '../../src/store/session-store.ts';
import { ADAPTERS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';
import { readEvents } from '../support/sse-events.ts';
import { JWT_SECRET } from './test-app.ts';

describe.each(ADAPTERS)('live progress over Server-Sent Events on %s', (kind) => {
  let t: TestDatabase;
  let hub: ProgressHub;
  let app: ReturnType<typeof createApp>;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    hub = createProgressHub(t.db, createLogger('silent'));
    app = createApp({
      db: t.db,
      clock: systemClock,
      logger: createLogger('silent'),
      auth: createJwtVerifier({ secret: JWT_SECRET }),
      progressHub: hub,
    });
  });
  afterAll(async () => {
    await hub.close();
    await t.dispose();
  });

  async function userWithSession() {
    const userId = await insertUser(t.db);
    const { session } = await sessionStore.start(t.db, {
      userId,
      kind: 'backfill',
      correlationId: 'sse',
    });
    const authorization = `Bearer ${await signAccessToken(JWT_SECRET, { sub: userId })}`;
    return { userId, session, authorization };
  }

  it('broadcasts session changes on the user’s topic, but not lease renewals', async () => {
    const { userId, session } = await userWithSession();
    const received: { topic: string; payload: { stored: number } }[] = [];
    const unlisten = await t.db.listen('realtime', (raw) => received.push(JSON.parse(raw)));
    await t.db.query('update sync_sessions set lease_expires_at = now() where id = $1', [
      session.id,
    ]);
    await t.db.query('update sync_sessions set activities_stored = 7 where id = $1', [session.id]);
    const deadline = Date.now() + 2_000;
    while (received.length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    await unlisten();
    expect(received).toEqual([
      expect.objectContaining({
        topic: `sync:${userId}`,
        payload: expect.objectContaining({ stored: 7 }),
      }),
    ]);
  });

  it('streams a snapshot, then every change, and ends at a terminal state', async () => {
    const { session, authorization } = await userWithSession();
    const response = await app.request(`/api/syncs/${session.id}/events`, {
      headers: { authorization },
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const stream = readEvents(response);
    await stream.waitFor((e) => e.event === 'snapshot');
    const changedAt = Date.now();
    await t.db.query(
      `update sync_sessions set status = 'running', activities_stored = 200 where id = $1`,
      [session.id],
    );
    const progress = await stream.waitFor(
      (e) => e.event === 'progress' && e.data.counts.stored === 200,
    );
    // Woken by the broadcast, well before the 2 s poll.
    expect(progress.atMs - changedAt).toBeLessThan(1_500);
    await t.db.query(
      `update sync_sessions set status = 'completed', finished_at = now() where id = $1`,
      [session.id],
    );
    await stream.waitFor((e) => e.data.status === 'completed');
    await stream.ended;
  });

  it('streams nothing of someone else’s session', async () => {
    const { session } = await userWithSession();
    const other = await userWithSession();
    const response = await app.request(`/api/syncs/${session.id}/events`, {
      headers: { authorization: other.authorization },
    });
    expect(response.status).toBe(404);
  });
});

describe('live progress without LISTEN', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('pglite');
  });
  afterAll(() => t.dispose());

  it('still delivers every change, by polling', async () => {
    const app = createApp({
      db: t.db,
      clock: systemClock,
      logger: createLogger('silent'),
      auth: createJwtVerifier({ secret: JWT_SECRET }),
    });
    const userId = await insertUser(t.db);
    const { session } = await sessionStore.start(t.db, {
      userId,
      kind: 'backfill',
      correlationId: 'poll',
    });
    const authorization = `Bearer ${await signAccessToken(JWT_SECRET, { sub: userId })}`;
    const stream = readEvents(
      await app.request(`/api/syncs/${session.id}/events`, { headers: { authorization } }),
    );
    await stream.waitFor((e) => e.event === 'snapshot');
    await t.db.query(
      `update sync_sessions set status = 'cancelled', finished_at = now() where id = $1`,
      [session.id],
    );
    await stream.waitFor((e) => e.data.status === 'cancelled', 5_000);
    await stream.ended;
  });
});
