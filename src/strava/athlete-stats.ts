import type { StravaClient } from './strava-client.ts';
import type { StravaAthleteStats } from './strava-schemas.ts';

/**
 * Strava's totals for the token's athlete: what a backfill measures its progress against
 * (`total_estimate`) and what `GET /api/estimate` counts before one starts. The athlete is
 * asked first because the stats endpoint wants an id and the token is the only sure source of
 * it. Strava counts only activities visible to Everyone, so private runs are missing from
 * these totals.
 */
export async function fetchAthleteStats(
  client: StravaClient,
  accessToken: string,
): Promise<StravaAthleteStats> {
  const athlete = await client.getAthlete(accessToken);
  return client.getAthleteStats(accessToken, athlete.id);
}

/** API calls `fetchAthleteStats` spends: the athlete, then its stats. */
export const ATHLETE_STATS_CALLS = 2;
