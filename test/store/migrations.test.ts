import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMigrationFiles, migrate } from '../../src/store/migrations.ts';
import { openDatabase } from '../../src/store/open-database.ts';
import { ADAPTERS, createTestDatabase, type TestDatabase } from '../support/databases.ts';

const run = promisify(execFile);
const BIN = new URL('../../bin/stridesync.js', import.meta.url).pathname;
const SUPABASE_CLI = new URL('../../node_modules/.bin/supabase', import.meta.url).pathname;

const open: TestDatabase[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.dispose()));
});

async function fresh(kind: (typeof ADAPTERS)[number]) {
  const t = await createTestDatabase(kind, { migrated: false });
  open.push(t);
  return t;
}

async function appliedVersions(t: TestDatabase): Promise<string[]> {
  const history = await t.db.query<{ t: string | null }>(
    `select to_regclass('supabase_migrations.schema_migrations')::text as t`,
  );
  if (!history.rows[0]?.t) return [];
  const { rows } = await t.db.query<{ version: string }>(
    'select version from supabase_migrations.schema_migrations order by version',
  );
  return rows.map((r) => r.version);
}

describe.each(ADAPTERS)('migrations on %s', (kind) => {
  it('apply on a fresh database, then again as a no-op', async () => {
    const t = await fresh(kind);
    const files = await loadMigrationFiles();
    expect(files.length).toBeGreaterThan(0);

    const first = await migrate(t.db);
    expect(first.emulatedSupabase).toBe(true);
    expect(first.applied).toEqual(files.map((f) => `${f.version}_${f.name}`));
    expect(await appliedVersions(t)).toEqual(files.map((f) => f.version));

    const second = await migrate(t.db);
    expect(second).toEqual({ emulatedSupabase: false, applied: [], alreadyApplied: files.length });
    expect(await appliedVersions(t)).toEqual(files.map((f) => f.version));
  });

  it('roll back a failing migration whole and record nothing of it', async () => {
    const t = await fresh(kind);
    const broken = [
      {
        version: '20990101000000',
        name: 'half_good',
        sql: 'create table half (id int); select 1/0;',
      },
    ];
    await expect(migrate(t.db, { migrations: broken })).rejects.toMatchObject({ code: '22012' });
    const { rows } = await t.db.query<{ t: string | null }>(
      `select to_regclass('public.half')::text as t`,
    );
    expect(rows[0]?.t).toBeNull();
    expect(await appliedVersions(t)).toEqual([]);
  });
});

describe('migrations on postgres from two connections at once', () => {
  it('a fresh database gets the Supabase stand-ins and every file once, whoever waits', async () => {
    const files = await loadMigrationFiles();
    // The waiting connection looked the stand-ins up before the lock; it used to keep them
    // cached as absent and collide on `create schema auth` (in 24 of 25 fresh databases).
    for (let round = 0; round < 5; round++) {
      const t = await fresh('postgres');
      const url = t.url as string;
      const connections = await Promise.all([
        openDatabase({ kind: 'postgres', url }, { max: 1 }),
        openDatabase({ kind: 'postgres', url }, { max: 1 }),
      ]);
      try {
        const reports = await Promise.all(connections.map((db) => migrate(db)));
        expect(reports.reduce((sum, r) => sum + r.applied.length, 0)).toBe(files.length);
        expect(await appliedVersions(t)).toEqual(files.map((f) => f.version));
      } finally {
        await Promise.all(connections.map((db) => db.close()));
      }
    }
  });
});

describe('migrations on postgres from separate processes', () => {
  it('two processes migrating at once end with one applied set', async () => {
    const t = await fresh('postgres');
    const env = { ...process.env, DATABASE_URL: t.url, LOG_LEVEL: 'silent' };
    const results = await Promise.all([
      run(BIN, ['migrate'], { env }),
      run(BIN, ['migrate'], { env }),
    ]);
    const files = await loadMigrationFiles();
    const appliedCounts = results.map((r) => Number(/(\d+) applied now/.exec(r.stdout)?.[1]));
    // Each file once across both: the lock is per migration transaction, so the two may take
    // turns (with ten files they were seen to split 2 and 8), but never apply a file twice.
    expect(appliedCounts.reduce((sum, n) => sum + n, 0)).toBe(files.length);
    expect(await appliedVersions(t)).toEqual(files.map((f) => f.version));
  });

  it('deploy with the real Supabase CLI, which our runner then sees as applied', async () => {
    const t = await fresh('postgres');
    // Plain Postgres lacks Supabase's own schemas: add the stand-ins, as on any non-Supabase host.
    await migrate(t.db, { migrations: [] });
    const url = new URL(t.url!);
    url.searchParams.set('sslmode', 'disable');
    const { stdout, stderr } = await run(
      SUPABASE_CLI,
      ['db', 'push', '--db-url', url.toString(), '--yes'],
      {
        cwd: new URL('../../', import.meta.url).pathname,
        env: { ...process.env, SUPABASE_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' },
      },
    );
    expect(`${stdout}${stderr}`).toContain('Finished supabase db push');
    const files = await loadMigrationFiles();
    expect(await appliedVersions(t)).toEqual(files.map((f) => f.version));
    expect(await migrate(t.db)).toEqual({
      emulatedSupabase: false,
      applied: [],
      alreadyApplied: files.length,
    });
  });

  it('two processes rolling back at once undo each migration once; the Supabase CLI then sees them pending', async () => {
    const t = await fresh('postgres');
    await migrate(t.db);
    const files = await loadMigrationFiles();
    const env = { ...process.env, DATABASE_URL: t.url, LOG_LEVEL: 'silent' };

    const refused = await run(BIN, ['migrate', '--down', '0'], { env }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(refused).toMatchObject({ code: 1 });
    expect((refused as { stderr: string }).stderr).toMatch(
      /Rolling back to 0 loses data; nothing was changed\..*20261128190000_sync_schema loses every table/,
    );
    expect((refused as { stderr: string }).stderr).toContain('--allow-data-loss');
    expect(await appliedVersions(t)).toEqual(files.map((f) => f.version));

    const last = files.at(-1)?.version as string;
    const keep = files[files.length - 3]?.version as string;
    const results = await Promise.all([
      run(BIN, ['migrate', '--down', keep, '--allow-data-loss'], { env }),
      run(BIN, ['migrate', '--down', keep, '--allow-data-loss'], { env }),
    ]);
    const counts = results.map((r) => Number(/(\d+) rolled back now/.exec(r.stdout)?.[1]));
    expect(counts.reduce((sum, n) => sum + n, 0)).toBe(2);
    expect(await appliedVersions(t)).toEqual(files.slice(0, -2).map((f) => f.version));

    const url = new URL(t.url as string);
    url.searchParams.set('sslmode', 'disable');
    const { stdout, stderr } = await run(
      SUPABASE_CLI,
      ['db', 'push', '--db-url', url.toString(), '--yes'],
      {
        cwd: new URL('../../', import.meta.url).pathname,
        env: { ...process.env, SUPABASE_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' },
      },
    );
    expect(`${stdout}${stderr}`).toContain(last);
    expect(`${stdout}${stderr}`).toContain('Finished supabase db push');
    expect(await appliedVersions(t)).toEqual(files.map((f) => f.version));
  }, 90_000);
});
