import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiLedger } from '../../src/budget/api-ledger.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { type StravaHarness, startStravaHarness } from '../support/strava-harness.ts';

const run = promisify(execFile);
const SCRIPT = new URL('../support/list-activities-process.ts', import.meta.url).pathname;
const TSX = new URL('../../node_modules/.bin/tsx', import.meta.url).pathname;
const READ_LIMIT = 9;

describe('two processes, one database, one tight Strava budget', () => {
  let t: TestDatabase;
  let h: StravaHarness;

  beforeAll(async () => {
    t = await createTestDatabase('postgres');
    // The system clock on both sides: the child processes cannot share a manual one.
    const { systemClock } = await import('../../src/core/clock.ts');
    h = await startStravaHarness(t.db, { activityCount: 400, clock: systemClock as never });
    h.sim.rateLimiter().limits.read.fifteenMinute = READ_LIMIT;
  });
  afterAll(async () => {
    await h.close();
    await t.dispose();
  });

  it('never gets a 429 and never spends past the limit', async () => {
    // Both windows must stay put for the test: start clear of a quarter-hour boundary.
    const toBoundary = 15 * 60_000 - (Date.now() % (15 * 60_000));
    if (toBoundary < 20_000) await new Promise((resolve) => setTimeout(resolve, toBoundary + 100));
    const token = h.sim.issueTokens(Number(h.athleteId), [
      'read',
      'activity:read_all',
    ]).access_token;
    const args = [SCRIPT, t.url!, h.apiUrl, h.oauthUrl, token, '10'];
    const results = await Promise.all([run(TSX, args), run(TSX, args)]);
    const summaries = results.map(
      (r) => JSON.parse(r.stdout) as { pages: number; parkedUntil: string | null },
    );

    const listed = h.sim.inspect().byEndpoint['GET /api/v3/athlete/activities'] ?? {};
    expect(listed['429']).toBeUndefined();
    expect(summaries.every((s) => s.parkedUntil !== null)).toBe(true);
    // The first call of each process may still use Strava's default limits; the headers teach it.
    expect(listed['200']).toBeLessThanOrEqual(READ_LIMIT);
    expect(summaries.reduce((sum, s) => sum + s.pages, 0)).toBe(listed['200']);

    const ledger = await createApiLedger(t.db, { now: () => Date.now() }).snapshot('strava');
    const read15 = ledger.find((line) => line.bucket === 'read:15min');
    expect(read15).toMatchObject({ limit: READ_LIMIT });
    expect(read15!.used).toBeLessThanOrEqual(READ_LIMIT);
  });
});
