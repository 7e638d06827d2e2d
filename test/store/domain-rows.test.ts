import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ActivityRow, activityRowSchema } from '../../src/core/activity.ts';
import { syncSessionRowSchema } from '../../src/core/sync-session.ts';
import { parseActivityOrReject } from '../../src/core/transform-activity.ts';
import { upsertActivities } from '../../src/store/activity-store.ts';
import { ACTIVITY_PAGE_SAMPLES, readActivityPage } from '../support/api-samples.ts';
import { ADAPTERS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { insertUser } from '../support/seed.ts';

/** The domain schemas in src/core and the tables in supabase/migrations describe the same rows. */
describe.each(ADAPTERS)('domain rows and tables agree on %s', (kind) => {
  let t: TestDatabase;
  let userId: string;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
    userId = await insertUser(t.db);
  });
  afterAll(() => t.dispose());

  it.each(ACTIVITY_PAGE_SAMPLES)(
    'stores every activity of %s and reads it back unchanged',
    async (sample) => {
      for (const raw of readActivityPage(sample)) {
        const parsed = parseActivityOrReject(raw, userId);
        if (!parsed.ok) throw new Error(`fixture activity rejected: ${parsed.reason}`);
        await insertActivity(t, parsed.row);
        const { rows } = await t.db.query<Record<string, unknown>>(
          'select * from activities where id = $1',
          [parsed.row.id],
        );
        const stored = asStoredRow(rows[0]!, Object.keys(parsed.row));
        for (const [column, value] of Object.entries(parsed.row)) {
          expect({ column, value: stored[column] }).toEqual({ column, value });
        }
        expect(activityRowSchema.parse(stored)).toEqual(parsed.row);
      }
    },
  );

  it.each(ACTIVITY_PAGE_SAMPLES)(
    'the store writes %s as one page, every column as given, and nothing when it comes again',
    async (sample) => {
      await t.db.query('delete from activities');
      const parsed = readActivityPage(sample).map((raw) => {
        const result = parseActivityOrReject(raw, userId);
        if (!result.ok) throw new Error(`fixture activity rejected: ${result.reason}`);
        return result.row;
      });
      const first = parsed[0]!;
      // What travels as an array literal or as text inside one: quotes, backslashes, braces.
      const awkward: ActivityRow = {
        ...first,
        id: `${first.id}1`,
        name: 'Tempo "fast", \\ back {slash}',
        quality_flags: ['no_gps', 'name_too_long'],
        strava_summary: { ...first.strava_summary, name: 'a "quoted" {name} \\' },
      };
      const page = [...parsed, awkward];
      expect(await upsertActivities(t.db, page)).toEqual({
        inserted: page.length,
        updated: 0,
        unchanged: 0,
      });
      for (const row of page) {
        const { rows } = await t.db.query<Record<string, unknown>>(
          'select * from activities where id = $1',
          [row.id],
        );
        expect(asStoredRow(rows[0]!, Object.keys(row))).toEqual(row);
      }
      expect(await upsertActivities(t.db, page)).toEqual({
        inserted: 0,
        updated: 0,
        unchanged: page.length,
      });
    },
  );

  it('reads a sync session row that the session schema accepts', async () => {
    const { rows } = await t.db.query(
      `insert into sync_sessions (user_id, kind, correlation_id, checkpoint)
       values ($1, 'incremental', 'corr-1', '{"before": "2025-10-19T20:00:00Z"}') returning *`,
      [userId],
    );
    const session = syncSessionRowSchema.parse(rows[0]);
    expect(session).toMatchObject({
      status: 'queued',
      phase: null,
      activities_stored: 0,
      input: null,
    });
    expect(session.checkpoint).toEqual({ before: '2025-10-19T20:00:00Z' });
    expect(Object.keys(session).sort()).toEqual(Object.keys(rows[0] as object).sort());
  });
});

async function insertActivity(t: TestDatabase, row: ActivityRow): Promise<void> {
  const columns = Object.keys(row);
  await t.db.query(
    `insert into activities (${columns.join(', ')}) values (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
    columns.map((c) => {
      const value = row[c as keyof ActivityRow];
      return value !== null && typeof value === 'object' && !Array.isArray(value)
        ? JSON.stringify(value)
        : value;
    }),
  );
}

/** The row's own columns, timestamps in the transform's `…Z` form (no milliseconds there). */
function asStoredRow(row: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(
    keys.map((k) => {
      const value = row[k];
      return [k, value instanceof Date ? value.toISOString().replace('.000Z', 'Z') : value];
    }),
  );
}
