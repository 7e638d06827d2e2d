import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_LEASE_TTL_MS } from '../../src/config/defaults.ts';
import { createLogger } from '../../src/observability/logger.ts';
import type { Database } from '../../src/store/database.ts';
import { createPgDatabase } from '../../src/store/pg-database.ts';
import { REFRESH_MARGIN_MS } from '../../src/strava/token-manager.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { ADAPTERS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';
import { type StravaHarness, startStravaHarness } from '../support/strava-harness.ts';
import { simRunIds, startSession, storedIds, syncDeps } from '../sync/sync-harness.ts';

/**
 * Strava rotates the refresh token when it answers a refresh, and the old one dies at once: an
 * answer that is lost, or tokens that are not committed, must not cost the runner their
 * connection. Each case drives the real token manager, store and sync against the simulator.
 */
const TOKEN_LIFETIME_MS = 6 * 3600 * 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(ADAPTERS)('token rotation on %s', (kind) => {
  let t: TestDatabase;
  let h: StravaHarness;
  let userId: string;
  const logs: { msg: string; userId?: string }[] = [];

  const tokenCalls = () => h.sim.inspect().byEndpoint['POST /oauth/token'] ?? {};
  /** Leaves 59 minutes on the access token: the next use refreshes, and Strava rotates. */
  const nearExpiry = () => h.clock.advance(TOKEN_LIFETIME_MS - REFRESH_MARGIN_MS + 60_000);
  const connectionRow = async () =>
    (
      await t.db.query<{ revoked_at: Date | null; refresh_owner: string | null }>(
        'select revoked_at, refresh_owner from strava_connections where user_id = $1',
        [userId],
      )
    ).rows[0];
  const syncOnce = (sessionId: string) =>
    runSync(syncDeps(t.db, h), {
      sessionId,
      owner: 'worker-1',
      deadlineMs: Number.MAX_SAFE_INTEGER,
      leaseTtlMs: DEFAULT_LEASE_TTL_MS,
    });
  const logged = (text: string) => logs.filter((line) => line.msg.includes(text));

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    h = await startStravaHarness(t.db, {
      activityCount: 30,
      logger: createLogger('warn', { write: (line: string) => logs.push(JSON.parse(line)) }),
    });
  });
  beforeEach(async () => {
    h.sim.reset();
    logs.length = 0;
    await t.db.exec('delete from strava_connections; delete from sync_sessions');
    userId = await insertUser(t.db);
    await h.connect(userId);
  });
  afterAll(async () => {
    await h.close();
    await t.dispose();
  });

  it('a refresh answer lost after Strava rotated: not revoked, retried transiently, and the access token keeps the runner syncing', async () => {
    const before = await h.store.load(t.db, userId);
    nearExpiry();
    h.sim.faults.set({ includeOAuth: true, script: ['malformed'] });
    const session = await startSession(t.db, userId);

    expect(await syncOnce(session.id)).toEqual({
      status: 'retry',
      code: 'strava_malformed_response',
    });
    // Sent once: a retry would only have presented the refresh token Strava had just killed.
    expect(tokenCalls()).toEqual({ '200': 1 });
    expect(await connectionRow()).toMatchObject({ revoked_at: null, refresh_owner: null });

    // The next run: Strava refuses the dead refresh token, but the access token still works, so
    // the connection stays and the sync completes.
    expect(await syncOnce(session.id)).toEqual({ status: 'completed' });
    expect(tokenCalls()).toEqual({ '200': 1, '400': 1 });
    expect(await storedIds(t.db, userId)).toEqual(simRunIds(h));
    expect(await connectionRow()).toMatchObject({ revoked_at: null });
    expect(logged('token refresh answer lost')).toEqual([
      expect.objectContaining({ userId, code: 'strava_malformed_response' }),
    ]);
    expect(logged('access token still works')).toEqual([
      expect.objectContaining({ userId, accessTokenExpiresAt: before.expiresAt.toISOString() }),
    ]);

    // Later calls use that access token without asking Strava again while it lasts.
    expect(await h.tokens.getValidAccessToken(userId)).toBe(before.accessToken);
    expect(tokenCalls()).toEqual({ '200': 1, '400': 1 });
  });

  it('ten concurrent callers during a slow refresh: one refresh, no transaction open meanwhile', async () => {
    const before = await h.store.load(t.db, userId);
    nearExpiry();
    h.sim.faults.set({ includeOAuth: true, latencyMs: 400 });
    const callers = Promise.all(
      Array.from({ length: 10 }, () => h.tokens.getValidAccessToken(userId)),
    );
    await sleep(200);
    expect(await connectionRow()).toMatchObject({ refresh_owner: expect.any(String) });
    if (kind === 'postgres') {
      const { rows } = await t.db.query<{ open: number }>(
        `select count(*)::int as open from pg_stat_activity
         where datname = current_database() and state like 'idle in transaction%'`,
      );
      expect(rows[0]?.open).toBe(0);
    }
    const tokens = await callers;
    h.sim.faults.reset();
    expect(tokenCalls()).toEqual({ '200': 1 });
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(before.accessToken);
    const after = await h.store.load(t.db, userId);
    expect(after.accessToken).toBe(tokens[0]);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(await connectionRow()).toMatchObject({ refresh_owner: null });
  });

  it('a real refusal (the athlete revoked stridesync at Strava) still revokes: "Reconnect Strava"', async () => {
    h.sim.deauthorize(Number(h.athleteId), { deliverWebhooks: false });
    nearExpiry();
    const session = await startSession(t.db, userId);
    expect(await syncOnce(session.id)).toEqual({
      status: 'failed',
      code: 'strava_reconnect_required',
    });
    // Asked twice: the refresh, then the access token, both refused.
    expect(tokenCalls()).toEqual({ '400': 1 });
    expect(h.sim.inspect().byEndpoint['GET /api/v3/athlete']).toEqual({ '401': 1 });
    expect((await connectionRow())?.revoked_at).toBeInstanceOf(Date);
    await expect(h.tokens.getValidAccessToken(userId)).rejects.toMatchObject({
      code: 'strava_reconnect_required',
      userMessage: expect.stringContaining('Reconnect Strava'),
    });
  });

  it('the access token expires after its refresh answer was lost: then, and only then, "Reconnect Strava"', async () => {
    nearExpiry();
    h.sim.faults.set({ includeOAuth: true, script: ['malformed'] });
    await expect(h.tokens.getValidAccessToken(userId)).rejects.toMatchObject({
      failureType: 'transient',
    });
    expect(await h.tokens.getValidAccessToken(userId)).toEqual(expect.any(String));
    expect(await connectionRow()).toMatchObject({ revoked_at: null });
    // Strava holds the only live refresh token, in the answer that was lost: nothing can renew
    // access once the access token expires.
    h.clock.advance(REFRESH_MARGIN_MS);
    await expect(h.tokens.getValidAccessToken(userId)).rejects.toMatchObject({
      code: 'strava_reconnect_required',
    });
    expect((await connectionRow())?.revoked_at).toBeInstanceOf(Date);
  });
});

describe('token rotation on postgres when the server terminates connections', () => {
  let t: TestDatabase;
  let h: StravaHarness;
  let killer: Database;
  let userId: string;

  const terminateOthers = () =>
    killer.query(
      `select pg_terminate_backend(pid) from pg_stat_activity
       where datname = current_database() and pid <> pg_backend_pid()`,
    );
  const revokedAt = async () =>
    (
      await t.db.query<{ revoked_at: Date | null }>(
        'select revoked_at from strava_connections where user_id = $1',
        [userId],
      )
    ).rows[0]?.revoked_at;
  const syncToEnd = async () => {
    const session = await startSession(t.db, userId);
    return runSync(syncDeps(t.db, h), {
      sessionId: session.id,
      owner: 'worker-1',
      deadlineMs: Number.MAX_SAFE_INTEGER,
      leaseTtlMs: DEFAULT_LEASE_TTL_MS,
    });
  };

  beforeAll(async () => {
    t = await createTestDatabase('postgres');
    killer = createPgDatabase(t.url!, { max: 1 });
    h = await startStravaHarness(t.db, { activityCount: 30 });
  });
  beforeEach(async () => {
    h.sim.reset();
    await t.db.exec('delete from strava_connections; delete from sync_sessions');
    userId = await insertUser(t.db);
    await h.connect(userId);
  });
  afterAll(async () => {
    await h.close();
    await killer.close();
    await t.dispose();
  });

  it('every backend is terminated while Strava answers a refresh: the rotated tokens are stored, the next sync works', async () => {
    const before = await h.store.load(t.db, userId);
    h.clock.advance(TOKEN_LIFETIME_MS - REFRESH_MARGIN_MS + 60_000);
    h.sim.faults.set({ includeOAuth: true, latencyMs: 600 });
    const refreshing = h.tokens.getValidAccessToken(userId);
    await sleep(250);
    await terminateOthers();
    const token = await refreshing;
    h.sim.faults.reset();
    expect(h.sim.inspect().byEndpoint['POST /oauth/token']).toEqual({ '200': 1 });
    expect(await revokedAt()).toBeNull();
    const after = await h.store.load(t.db, userId);
    expect(after.accessToken).toBe(token);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(await syncToEnd()).toEqual({ status: 'completed' });
    expect(await storedIds(t.db, userId)).toEqual(simRunIds(h));
  });

  it('the backend committing the rotated tokens is terminated: they are committed on another', async () => {
    // Kills the backend of the first statement that stores new tokens, once (a sequence is not
    // rolled back with the transaction it was used in).
    await t.db.exec(`
      create sequence token_save_kills;
      create function kill_first_token_save() returns trigger language plpgsql as $$
      begin
        if new.access_token_enc is distinct from old.access_token_enc
           and nextval('token_save_kills') = 1 then
          perform pg_terminate_backend(pg_backend_pid());
        end if;
        return new;
      end $$;
      create trigger kill_first_token_save before update on strava_connections
        for each row execute function kill_first_token_save();`);
    try {
      const before = await h.store.load(t.db, userId);
      h.clock.advance(TOKEN_LIFETIME_MS - REFRESH_MARGIN_MS + 60_000);
      const token = await h.tokens.getValidAccessToken(userId);
      const { rows } = await t.db.query<{ kills: string }>(
        'select last_value::text as kills from token_save_kills',
      );
      expect(rows[0]?.kills).toBe('2');
      expect(await revokedAt()).toBeNull();
      const after = await h.store.load(t.db, userId);
      expect(after.accessToken).toBe(token);
      expect(after.refreshToken).not.toBe(before.refreshToken);
      expect(await syncToEnd()).toEqual({ status: 'completed' });
    } finally {
      await t.db.exec(`
        drop trigger kill_first_token_save on strava_connections;
        drop function kill_first_token_save();
        drop sequence token_save_kills;`);
    }
  });
});
