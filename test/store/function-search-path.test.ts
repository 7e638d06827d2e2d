import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, createTestDatabase, type TestDatabase } from '../support/databases.ts';

/**
 * A function without a fixed `search_path` resolves the names in its body through the caller's
 * path, so a role that can create objects in a schema earlier on that path can shadow them
 * (Supabase's linter: `function_search_path_mutable`). Every function of the migrations pins it.
 */
describe.each(ADAPTERS)('functions of the migrations on %s', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(() => t.dispose());

  it('set_updated_at() runs with an empty search_path', async () => {
    const { rows } = await t.db.query<{ proconfig: string[] | null }>(
      `select proconfig from pg_proc where oid = 'public.set_updated_at()'::regprocedure`,
    );
    expect(rows[0]?.proconfig).toEqual(['search_path=""']);
  });

  it('every function in public pins its search_path', async () => {
    const { rows } = await t.db.query<{ name: string }>(
      `select proname as name from pg_proc
       where pronamespace = 'public'::regnamespace
         and not exists (select from unnest(proconfig) as setting where setting like 'search_path=%')
       order by 1`,
    );
    expect(rows).toEqual([]);
  });

  it('set_updated_at() still stamps updated_at on update', async () => {
    await t.db.query(
      `insert into public.feature_flags (key, updated_at) values ('search_path_probe', '2000-01-01Z')`,
    );
    await t.db.query(
      `update public.feature_flags set enabled = true where key = 'search_path_probe'`,
    );
    const { rows } = await t.db.query<{ updated_at: Date }>(
      `select updated_at from public.feature_flags where key = 'search_path_probe'`,
    );
    expect(rows[0]!.updated_at.getTime()).toBeGreaterThan(Date.parse('2020-01-01Z'));
  });
});
