/**
 * A separate OS process that walks one athlete's activities with the real Strava client and the
 * shared ledger, until the walk ends or the budget parks it; prints a JSON summary. Used to
 * prove that processes sharing one database share one Strava budget.
 * argv: <databaseUrl> <stravaApiUrl> <stravaOauthUrl> <accessToken> <perPage>
 */

import { createApiLedger } from '../../src/budget/api-ledger.ts';
import { systemClock } from '../../src/core/clock.ts';
import { RateLimitedError } from '../../src/core/errors.ts';
import { createPgDatabase } from '../../src/store/pg-database.ts';
import { fetchSlice, startCursor, type WalkCursor } from '../../src/strava/activity-walk.ts';
import { createStravaClient } from '../../src/strava/strava-client.ts';

const [databaseUrl, apiUrl, oauthUrl, token, perPage] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const db = createPgDatabase(databaseUrl, { max: 2 });
const client = createStravaClient({
  apiUrl,
  oauthUrl,
  clientId: '12345',
  clientSecret: 'sim-secret',
  ledger: createApiLedger(db, systemClock),
  clock: systemClock,
});
let pages = 0;
let parkedUntil: string | null = null;
let cursor: WalkCursor | null = startCursor(Date.now());
try {
  while (cursor) {
    const slice = await fetchSlice((p) => client.listActivities(token, p), cursor, Number(perPage));
    pages++;
    cursor = slice.next;
  }
} catch (error) {
  if (!(error instanceof RateLimitedError)) throw error;
  parkedUntil = error.resumeAt.toISOString();
} finally {
  await db.close();
}
process.stdout.write(`${JSON.stringify({ pages, parkedUntil })}\n`);
