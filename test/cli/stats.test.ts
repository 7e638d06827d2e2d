import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli-process.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';

/**
 * `stridesync stats` as a real process on Postgres: sessions with known outcomes and durations,
 * their listing pages, runs in each enrichment state and a spent budget line, and the figures it
 * prints from them.
 */
describe('stridesync stats', () => {
  let t: TestDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    t = await createTestDatabase('postgres');
    env = { DATABASE_URL: t.url as string, LOG_LEVEL: 'silent' };
    const userId = await insertUser(t.db);
    // Completed in 60 s with 2 pages, completed in 120 s with 4 pages, failed after 10 s, and a
    // completed one 30 days ago, outside the window.
    const sessions = [
      { status: 'completed', ago: '1 day', seconds: 60, pages: 2 },
      { status: 'completed', ago: '2 hours', seconds: 120, pages: 4 },
      { status: 'failed', ago: '1 hour', seconds: 10, pages: 1 },
      { status: 'completed', ago: '30 days', seconds: 999, pages: 9 },
    ];
    for (const [i, s] of sessions.entries()) {
      const { rows } = await t.db.query<{ id: string }>(
        `insert into sync_sessions (user_id, kind, status, correlation_id, created_at, started_at, finished_at)
         values ($1, 'backfill', $2, $3, now() - $4::interval, now() - $4::interval,
                 now() - $4::interval + make_interval(secs => $5)) returning id`,
        [userId, s.status, `stats-${i}`, s.ago, s.seconds],
      );
      for (let p = 0; p < s.pages; p++)
        await t.db.query(
          `insert into sync_events (session_id, user_id, type, correlation_id)
           values ($1, $2, 'slice:stored', $3)`,
          [rows[0]?.id, userId, `stats-${i}`],
        );
    }
    const states = [
      ['enriched', 'enriched'],
      ['enriched', 'unavailable'],
      ['enriched', 'pending'],
      ['unavailable', 'enriched'],
      ['not_applicable', 'not_applicable'],
    ];
    for (const [i, [weather, place]] of states.entries())
      await t.db.query(
        `insert into activities (id, user_id, athlete_id, name, sport_type, start_date, start_date_local,
           distance_m, moving_time_s, elapsed_time_s, strava_summary, weather_status, place_status)
         values ($1, $2, 1, 'Run', 'Run', now(), localtimestamp, 5000, 1500, 1520, '{}', $3, $4)`,
        [String(7_000_000_000 + i), userId, weather, place],
      );
    await t.db.query(
      `insert into api_budget (provider, bucket, window_start, window_end, limit_count, used_count)
       values ('strava', 'read:daily', now() - interval '1 hour', now() + interval '1 hour', 1000, 950),
              ('strava', 'read:daily', now() - interval '2 days', now() - interval '1 day', 1000, 10)`,
    );
  });
  afterAll(() => t.dispose());

  it('prints sessions per day, success rate, median duration, pages, coverage and budgets', async () => {
    const p = runCli(['stats', '--days', '7'], env);
    expect({ code: await p.exited, stderr: p.stderr() }).toEqual({ code: 0, stderr: '' });
    const out = p.stdout();
    expect(out).toContain('Sync sessions, last 7 day(s) (UTC):');
    expect(out.match(/^ {2}\d{4}-\d{2}-\d{2} {2}started \d+/gm)?.length).toBeGreaterThanOrEqual(1);
    expect(out).not.toContain('started 4');
    expect(out).toContain('Ended: 2 completed, 1 failed, 0 cancelled; success rate 66.7%');
    expect(out).toContain('Median duration of a completed sync: 90.0 s');
    expect(out).toContain('Strava listing pages per completed sync: 3.0');
    expect(out).toContain('Weather coverage: enriched 3 of 4 (75.0%), pending 0, unavailable 1');
    expect(out).toContain('Place coverage:   enriched 2 of 4 (50.0%), pending 1, unavailable 1');
    expect(out).toMatch(/ {2}strava read:daily: 950 of 1000 \(95%\), until \S+Z\n/);
    expect(out).not.toContain('10 of 1000');
  });

  it('refuses a wrong --days with exit code 2', async () => {
    const p = runCli(['stats', '--days', 'many'], env);
    expect(await p.exited).toBe(2);
    expect(p.stderr()).toContain("--days must be a whole number from 1 to 366 (got 'many')");
  });
});
