import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.ts';
import { createApp } from '../../src/http/app.ts';
import { createJwtVerifier, signAccessToken } from '../../src/http/jwt.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { openJobQueue } from '../../src/queue/job-queue.ts';
import { sessionStore } from '../../src/store/session-store.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';
import { errorOf, JWT_SECRET, testApp } from './test-app.ts';

describe('sync and activity routes', () => {
  let t: TestDatabase;
  let app: ReturnType<typeof testApp>;
  let alice: string;
  let bob: string;
  const headers: Record<string, Record<string, string>> = {};

  async function seedRuns(userId: string, count: number, firstId: number) {
    for (let i = 0; i < count; i++) {
      const day = String(1 + (i % 28)).padStart(2, '0');
      const month = i < 28 ? '01' : '02';
      await t.db.query(
        `insert into activities (id, user_id, athlete_id, name, sport_type, start_date, start_date_local,
           distance_m, moving_time_s, elapsed_time_s, strava_summary, city, weather_status, temperature_c)
         values ($1, $2, 1, $3, $4, $5, $6, 5000, 1500, 1600, '{}', 'London', 'enriched', 11.5)`,
        [
          String(firstId + i),
          userId,
          `Run ${i}`,
          i % 5 === 0 ? 'TrailRun' : 'Run',
          `2026-${month}-${day}T07:00:00Z`,
          `2026-${month}-${day}T08:00:00`,
        ],
      );
    }
  }

  beforeAll(async () => {
    t = await createTestDatabase('pglite');
    app = testApp(t.db);
    alice = await insertUser(t.db);
    bob = await insertUser(t.db);
    for (const [name, id] of [
      ['alice', alice],
      ['bob', bob],
    ] as const) {
      headers[name] = { authorization: `Bearer ${await signAccessToken(JWT_SECRET, { sub: id })}` };
    }
    await seedRuns(alice, 30, 5_000_000_000);
    await seedRuns(bob, 3, 6_000_000_000);
  });
  afterAll(() => t.dispose());

  it('shows a user their own sessions with progress, and nobody else’s', async () => {
    const { session } = await sessionStore.start(t.db, {
      userId: alice,
      kind: 'backfill',
      correlationId: 'c-1',
    });
    const list = await app.request('/api/syncs', { headers: headers.alice });
    const body = (await list.json()) as {
      items: { id: string; status: string; progress: unknown }[];
    };
    expect(body.items.map((s) => s.id)).toEqual([session.id]);
    expect(body.items[0]).toMatchObject({
      status: 'queued',
      progress: { percent: 0, waitingUntil: null },
    });

    const one = await app.request(`/api/syncs/${session.id}`, { headers: headers.alice });
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({
      id: session.id,
      kind: 'backfill',
      counts: { stored: 0 },
      error: null,
    });

    const asBob = await app.request(`/api/syncs/${session.id}`, { headers: headers.bob });
    expect(asBob.status).toBe(404);
    expect((await errorOf(asBob)).code).toBe('sync_not_found');
    expect((await app.request('/api/syncs/not-a-uuid', { headers: headers.alice })).status).toBe(
      404,
    );
    expect(
      ((await (await app.request('/api/syncs', { headers: headers.bob })).json()) as { items: [] })
        .items,
    ).toEqual([]);
    expect(
      (
        await app.request(`/api/syncs/${session.id}/cancel`, {
          method: 'POST',
          headers: headers.bob,
        })
      ).status,
    ).toBe(404);
  });

  it('cancels a queued sync at once, and refuses to cancel an ended one', async () => {
    const { session } = await sessionStore.start(t.db, {
      userId: bob,
      kind: 'backfill',
      correlationId: 'c-2',
    });
    const cancel = await app.request(`/api/syncs/${session.id}/cancel`, {
      method: 'POST',
      headers: headers.bob,
    });
    expect(cancel.status).toBe(202);
    expect(await cancel.json()).toMatchObject({ status: 'cancelled', cancelRequested: true });
    const again = await app.request(`/api/syncs/${session.id}/cancel`, {
      method: 'POST',
      headers: headers.bob,
    });
    expect(again.status).toBe(409);
    expect(await errorOf(again)).toMatchObject({ code: 'illegal_session_transition' });
  });

  it('pages through runs newest first with a cursor, without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/activities?limit=7${cursor ? `&cursor=${cursor}` : ''}`;
      const response = await app.request(url, { headers: headers.alice });
      const page = (await response.json()) as {
        items: { id: string; startDate: string }[];
        nextCursor: string | null;
      };
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(30);
    expect(new Set(seen).size).toBe(30);
    const first = (await (
      await app.request('/api/activities?limit=1', { headers: headers.alice })
    ).json()) as {
      items: Record<string, unknown>[];
    };
    expect(first.items[0]).toMatchObject({
      startDate: '2026-02-02T07:00:00.000Z',
      startDateLocal: '2026-02-02T08:00:00',
      place: { city: 'London' },
      weather: { status: 'enriched', temperatureC: 11.5 },
    });
  });

  it('filters by local date and sport type', async () => {
    const january = (await (
      await app.request('/api/activities?from=2026-01-10&to=2026-01-12&limit=100', {
        headers: headers.alice,
      })
    ).json()) as {
      items: { startDateLocal: string }[];
    };
    expect(january.items.map((i) => i.startDateLocal.slice(0, 10)).sort()).toEqual([
      '2026-01-10',
      '2026-01-11',
      '2026-01-12',
    ]);
    const trails = (await (
      await app.request('/api/activities?sportType=TrailRun&limit=100', { headers: headers.alice })
    ).json()) as {
      items: { sportType: string }[];
    };
    expect(trails.items).toHaveLength(6);
    expect(new Set(trails.items.map((i) => i.sportType))).toEqual(new Set(['TrailRun']));
  });

  it('shows a user only their own runs', async () => {
    const page = (await (
      await app.request('/api/activities?limit=100', { headers: headers.bob })
    ).json()) as { items: unknown[] };
    expect(page.items).toHaveLength(3);
  });

  it.each([
    ['limit=0', 'query.limit'],
    ['limit=101', 'query.limit'],
    ['cursor=garbage', 'query.cursor'],
    ['from=yesterday', 'query.from'],
    ['from=2026-02-01&to=2026-01-01', 'query.from'],
    ['sportType=Run;drop', 'query.sportType'],
  ])('refuses %s with 400 naming %s', async (query, field) => {
    const response = await app.request(`/api/activities?${query}`, { headers: headers.alice });
    expect(response.status).toBe(400);
    expect((await errorOf(response)).fields?.map((f) => f.path)).toContain(field);
  });

  it('starts a sync once however often asked, and explains why it cannot start one', async () => {
    const queue = await openJobQueue(t.db, { logger: createLogger('silent'), work: false });
    try {
      const withQueue = createApp({
        db: t.db,
        clock: systemClock,
        logger: createLogger('silent'),
        auth: createJwtVerifier({ secret: JWT_SECRET }),
        queue,
      });
      const carol = await insertUser(t.db);
      const auth = {
        authorization: `Bearer ${await signAccessToken(JWT_SECRET, { sub: carol })}`,
        'content-type': 'application/json',
      };
      const notConnected = await withQueue.request('/api/syncs', {
        method: 'POST',
        headers: auth,
        body: '{}',
      });
      expect(notConnected.status).toBe(409);
      expect(await errorOf(notConnected)).toMatchObject({
        code: 'strava_not_connected',
        hint: expect.stringContaining('Connect Strava'),
      });

      await t.db.query(
        `insert into strava_connections (user_id, athlete_id, access_token_enc, refresh_token_enc, token_key_version, expires_at)
         values ($1, 777, 'a', 'r', 1, now() + interval '6 hours')`,
        [carol],
      );
      const first = await withQueue.request('/api/syncs', {
        method: 'POST',
        headers: auth,
        body: '{}',
      });
      expect(first.status).toBe(202);
      const created = (await first.json()) as { id: string; kind: string; status: string };
      expect(created).toMatchObject({ kind: 'backfill', status: 'queued' });
      const again = await withQueue.request('/api/syncs', {
        method: 'POST',
        headers: auth,
        body: '{"kind":"incremental"}',
      });
      expect(again.status).toBe(200);
      expect(((await again.json()) as { id: string }).id).toBe(created.id);
      const { rows } = await t.db.query(
        `select 1 from pgboss.job where name = 'sync' and data->>'userId' = $1`,
        [carol],
      );
      expect(rows).toHaveLength(1);

      // The body is optional: a bare POST (no body, no content type) starts or joins one too.
      const bare = await withQueue.request('/api/syncs', {
        method: 'POST',
        headers: { authorization: auth.authorization },
      });
      expect(bare.status).toBe(200);
      expect(((await bare.json()) as { id: string }).id).toBe(created.id);

      const bad = await withQueue.request('/api/syncs', {
        method: 'POST',
        headers: auth,
        body: '{"kind":"everything"}',
      });
      expect(bad.status).toBe(400);
      expect((await errorOf(bad)).fields?.[0]?.path).toBe('body.kind');
    } finally {
      await queue.stop({ timeoutMs: 0 });
    }
  });

  it('answers 503 where no queue is wired, rather than pretending to start', async () => {
    const response = await app.request('/api/syncs', {
      method: 'POST',
      headers: { ...headers.alice, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(503);
    expect((await errorOf(response)).code).toBe('sync_starts_unavailable');
  });

  it('needs a signed-in user', async () => {
    expect((await app.request('/api/activities')).status).toBe(401);
    expect((await app.request('/api/syncs')).status).toBe(401);
  });
});
