import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.ts';
import { REFRESH_MARGIN_MS } from '../../src/strava/token-manager.ts';
import { ADAPTERS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';
import { type StravaHarness, startStravaHarness } from '../support/strava-harness.ts';

const TOKEN_LIFETIME_MS = 6 * 3600 * 1000;

describe.each(ADAPTERS)('token manager on %s against the simulator', (kind) => {
  let t: TestDatabase;
  let h: StravaHarness;
  let userId: string;
  const refreshCalls = () => h.sim.inspect().byEndpoint['POST /oauth/token']?.['200'] ?? 0;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    h = await startStravaHarness(t.db);
  });
  beforeEach(async () => {
    h.sim.reset();
    await t.db.query('delete from strava_connections');
    userId = await insertUser(t.db);
    await h.connect(userId);
  });
  afterAll(async () => {
    await h.close();
    await t.dispose();
  });

  it('hands out the stored token while more than an hour is left, without calling Strava', async () => {
    const stored = await h.store.load(t.db, userId);
    h.clock.advance(TOKEN_LIFETIME_MS - REFRESH_MARGIN_MS - 60_000);
    expect(await h.tokens.getValidAccessToken(userId)).toBe(stored.accessToken);
    expect(refreshCalls()).toBe(0);
  });

  it('refreshes once for 10 concurrent callers, and stores the rotated refresh token', async () => {
    const before = await h.store.load(t.db, userId);
    h.clock.advance(TOKEN_LIFETIME_MS - REFRESH_MARGIN_MS + 60_000);
    const tokens = await Promise.all(
      Array.from({ length: 10 }, () => h.tokens.getValidAccessToken(userId)),
    );
    expect(refreshCalls()).toBe(1);
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(before.accessToken);
    const after = await h.store.load(t.db, userId);
    expect(after.accessToken).toBe(tokens[0]);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    // The rotated token is the live one at Strava: the API accepts the new access token.
    expect(await h.client.getAthlete(tokens[0]!)).toMatchObject({ id: h.athleteId });
  });

  it('turns a refused refresh into "Reconnect Strava" and a revoked connection', async () => {
    h.sim.deauthorize(Number(h.athleteId), { deliverWebhooks: false });
    h.clock.advance(TOKEN_LIFETIME_MS);
    const error = await h.tokens.getValidAccessToken(userId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'strava_reconnect_required' });
    expect((error as ConfigError).userMessage).toContain('Reconnect Strava');
    const { rows } = await t.db.query<Record<string, unknown>>(
      'select revoked_at, access_token_enc, refresh_token_enc from strava_connections where user_id = $1',
      [userId],
    );
    expect(rows[0]).toMatchObject({ access_token_enc: null, refresh_token_enc: null });
    expect(rows[0]?.revoked_at).toBeInstanceOf(Date);
    await expect(h.tokens.getValidAccessToken(userId)).rejects.toMatchObject({
      code: 'strava_reconnect_required',
    });
  });

  it('recovers from a revoked access token by refreshing once', async () => {
    h.sim.faults.set({ revokeAtRequest: 1, revokeMode: 'access-token' });
    const athlete = await h.tokens.withAccessToken(userId, (token) => h.client.getAthlete(token));
    expect(athlete.id).toBe(h.athleteId);
    expect(refreshCalls()).toBe(1);
  });

  it('revokes the connection when the athlete revoked the app mid-listing', async () => {
    h.sim.faults.set({ revokeAtRequest: 2, revokeMode: 'deauthorize' });
    const pages: unknown[][] = [];
    const walk = async () => {
      for (let page = 1; page <= 3; page++) {
        pages.push(
          await h.tokens.withAccessToken(userId, (token) =>
            h.client.listActivities(token, { page, perPage: 30 }),
          ),
        );
      }
    };
    await expect(walk()).rejects.toMatchObject({
      code: 'strava_reconnect_required',
      failureType: 'config',
    });
    expect(pages).toHaveLength(1);
    await expect(h.store.load(t.db, userId)).rejects.toMatchObject({
      code: 'strava_reconnect_required',
    });
  });

  it('never puts a token into an error or the stored columns', async () => {
    const stored = await h.store.load(t.db, userId);
    const { rows } = await t.db.query<Record<string, string>>(
      'select access_token_enc, refresh_token_enc from strava_connections where user_id = $1',
      [userId],
    );
    expect(JSON.stringify(rows)).not.toContain(stored.accessToken);
    expect(JSON.stringify(rows)).not.toContain(stored.refreshToken);
    h.sim.deauthorize(Number(h.athleteId), { deliverWebhooks: false });
    h.clock.advance(TOKEN_LIFETIME_MS);
    const error = await h.tokens.getValidAccessToken(userId).catch((e: unknown) => e as Error);
    const text = `${(error as Error).message} ${JSON.stringify(error)} ${(error as ConfigError).userMessage}`;
    expect(text).not.toContain(stored.accessToken);
    expect(text).not.toContain(stored.refreshToken);
  });
});
