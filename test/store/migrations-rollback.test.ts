import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  loadMigrationFiles,
  loadRollbackFiles,
  MIGRATIONS_DIR,
  migrate,
  migrateDown,
  ROLLBACK_DIR,
  type RollbackFile,
  type SqlFile,
} from '../../src/store/migrations.ts';
import { ADAPTERS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { dumpSchema, pgDumpSchema, type SchemaDump } from '../support/schema-dump.ts';

const open: TestDatabase[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.dispose()));
});

/** An empty database, or (`migrated`) one with every migration applied. */
async function fresh(kind: (typeof ADAPTERS)[number], migrated = false) {
  const t = await createTestDatabase(kind, { migrated });
  open.push(t);
  return t;
}

async function appliedVersions(t: TestDatabase): Promise<string[]> {
  const { rows } = await t.db.query<{ version: string }>(
    'select version from supabase_migrations.schema_migrations order by version',
  );
  return rows.map((r) => r.version);
}

/** A migration of the test's own, after every real one, with its rollback script. */
function probe(
  version: string,
  up: string,
  down: string,
): { migration: SqlFile; rollback: RollbackFile } {
  const name = `probe_${version.slice(-4)}`;
  return {
    migration: { version, name, sql: up },
    rollback: { version, name, sql: down, destroysData: undefined },
  };
}

describe('rollback scripts', () => {
  it('every migration has one of the same version and name, and every script a migration', async () => {
    const migrations = await loadMigrationFiles(MIGRATIONS_DIR);
    const rollbacks = await loadRollbackFiles(ROLLBACK_DIR);
    expect(migrations.length).toBeGreaterThan(0);
    expect(rollbacks.map((f) => `${f.version}_${f.name}`)).toEqual(
      migrations.map((f) => `${f.version}_${f.name}`),
    );
  });

  it('a script that drops a table or a column says it destroys data, and what', async () => {
    const unmarked = (await loadRollbackFiles())
      .filter((f) => /\bdrop\s+(table|column)\b/i.test(f.sql) && f.destroysData === undefined)
      .map((f) => `${f.version}_${f.name}`);
    expect(unmarked).toEqual([]);
    const marked = (await loadRollbackFiles()).find((f) => f.name === 'sync_schema');
    expect(marked?.destroysData).toMatch(/^every table of stridesync/);
  });

  it('reads the marker only among the comment lines a script opens with', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'stridesync-rollback-'));
    try {
      await writeFile(
        path.join(dir, '20990101000000_header.sql'),
        '-- Undoes the header probe.\n--   stridesync:  destroys-data  the probe rows \ndrop table x;\n',
      );
      await writeFile(
        path.join(dir, '20990101000100_late.sql'),
        'drop index x;\n-- stridesync: destroys-data nothing, this line is not the header\n',
      );
      const files = await loadRollbackFiles(dir);
      expect(files.map((f) => [f.name, f.destroysData])).toEqual([
        ['header', 'the probe rows'],
        ['late', undefined],
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// PGlite starts in seconds and migrates from scratch in tens of seconds on a loaded machine.
describe.each(ADAPTERS)('migrations both ways on %s', { timeout: 90_000 }, (kind) => {
  it('each rollback restores the schema before its migration; up, down, up ends as a fresh apply', async () => {
    const t = await fresh(kind);
    const migrations = await loadMigrationFiles();
    // The Supabase stand-ins alone: what a full rollback must come back to, with no leftovers.
    await migrate(t.db, { migrations: [] });
    const before: SchemaDump[] = [await dumpSchema(t.db)];
    const pgDumpBefore = t.url ? await pgDumpSchema(t.url) : undefined;
    for (let k = 0; k < migrations.length; k++) {
      const report = await migrate(t.db, { migrations: migrations.slice(0, k + 1) });
      expect(report.applied).toHaveLength(1);
      before.push(await dumpSchema(t.db));
    }
    const freshDump = before.at(-1) as SchemaDump;
    const pgDumpFresh = t.url ? await pgDumpSchema(t.url) : undefined;

    for (let k = migrations.length - 1; k >= 0; k--) {
      const target = k === 0 ? '0' : (migrations[k - 1] as SqlFile).version;
      const report = await migrateDown(t.db, target, { allowDataLoss: true });
      const step = migrations[k] as SqlFile;
      expect(report).toEqual({
        rolledBack: [`${step.version}_${step.name}`],
        alreadyRolledBack: 0,
      });
      expect(await dumpSchema(t.db), `after rolling back ${step.version}_${step.name}`).toEqual(
        before[k],
      );
    }
    expect(await appliedVersions(t)).toEqual([]);
    if (t.url) expect(await pgDumpSchema(t.url)).toEqual(pgDumpBefore);

    const again = await migrate(t.db);
    expect(again.applied).toHaveLength(migrations.length);
    expect(await appliedVersions(t)).toEqual(migrations.map((f) => f.version));
    expect(await dumpSchema(t.db)).toEqual(freshDump);
    if (t.url) expect(await pgDumpSchema(t.url)).toEqual(pgDumpFresh);
  }, 180_000);

  it('rolls back several steps in one call, newest first, keeping the target applied', async () => {
    const t = await fresh(kind, true);
    const migrations = await loadMigrationFiles();
    const target = migrations[migrations.length - 4] as SqlFile;
    const report = await migrateDown(t.db, target.version, { allowDataLoss: true });
    expect(report.rolledBack).toEqual(
      migrations
        .slice(-3)
        .reverse()
        .map((f) => `${f.version}_${f.name}`),
    );
    expect(await appliedVersions(t)).toEqual(migrations.slice(0, -3).map((f) => f.version));
    expect(await migrateDown(t.db, target.version)).toEqual({
      rolledBack: [],
      alreadyRolledBack: 0,
    });
  });

  it('refuses a rollback that loses data without allowDataLoss, naming each step and what it loses', async () => {
    const t = await fresh(kind, true);
    const migrations = await loadMigrationFiles();
    const rollbacks = await loadRollbackFiles();
    const before = await dumpSchema(t.db);
    const error = await migrateDown(t.db, '0').catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'rollback_destroys_data',
      failureType: 'config',
      hint: expect.stringContaining('--allow-data-loss'),
    });
    const message = (error as { userMessage: string }).userMessage;
    for (const file of rollbacks.filter((f) => f.destroysData)) {
      expect(message).toContain(`${file.version}_${file.name} loses ${file.destroysData}.`);
    }
    expect(message).not.toContain('row_level_security');
    expect(await appliedVersions(t)).toEqual(migrations.map((f) => f.version));
    expect(await dumpSchema(t.db)).toEqual(before);
  });

  it('runs a rollback that loses nothing without being told', async () => {
    const t = await fresh(kind, true);
    const migrations = await loadMigrationFiles();
    const rollbacks = await loadRollbackFiles();
    const index = probe(
      '20990101000000',
      'create index probe_index on public.feature_flags (updated_at);',
      'drop index public.probe_index;',
    );
    await migrate(t.db, { migrations: [...migrations, index.migration] });
    const report = await migrateDown(t.db, (migrations.at(-1) as SqlFile).version, {
      rollbacks: [...rollbacks, index.rollback],
    });
    expect(report.rolledBack).toEqual(['20990101000000_probe_0000']);
    const { rows } = await t.db.query<{ i: string | null }>(
      `select to_regclass('public.probe_index')::text as i`,
    );
    expect(rows[0]?.i).toBeNull();
  });

  it('a failing script undoes its own step whole, keeps the steps before it, and says where it stopped', async () => {
    const t = await fresh(kind, true);
    const migrations = await loadMigrationFiles();
    const rollbacks = await loadRollbackFiles();
    const first = probe(
      '20990101000100',
      'create table public.probe_a (id int);',
      'drop table public.probe_a; select 1/0;',
    );
    const second = probe(
      '20990101000200',
      'create table public.probe_b (id int);',
      'drop table public.probe_b;',
    );
    await migrate(t.db, { migrations: [...migrations, first.migration, second.migration] });
    const error = await migrateDown(t.db, (migrations.at(-1) as SqlFile).version, {
      rollbacks: [...rollbacks, first.rollback, second.rollback],
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'rollback_failed',
      failureType: 'system',
      userMessage: expect.stringContaining(
        'supabase/rollback/20990101000100_probe_0100.sql failed, so 20990101000100 is still applied',
      ),
      cause: expect.objectContaining({ code: '22012' }),
    });
    expect((error as { userMessage: string }).userMessage).toContain(
      'Rolled back before it: 20990101000200_probe_0200.',
    );
    expect(await appliedVersions(t)).toEqual([
      ...migrations.map((f) => f.version),
      '20990101000100',
    ]);
    const { rows } = await t.db.query<{ a: string | null; b: string | null }>(
      `select to_regclass('public.probe_a')::text as a, to_regclass('public.probe_b')::text as b`,
    );
    expect(rows[0]).toEqual({ a: 'probe_a', b: null });
  });

  it('refuses, changing nothing, when an applied migration has no rollback script', async () => {
    const t = await fresh(kind, true);
    const migrations = await loadMigrationFiles();
    const orphan = probe('20990101000300', 'create table public.probe_c (id int);', '');
    await migrate(t.db, { migrations: [...migrations, orphan.migration] });
    await expect(migrateDown(t.db, '0', { allowDataLoss: true })).rejects.toMatchObject({
      code: 'rollback_script_missing',
      userMessage: expect.stringContaining('20990101000300'),
    });
    expect(await appliedVersions(t)).toHaveLength(migrations.length + 1);
  });

  it('refuses a target that is not a version, or not applied', async () => {
    const t = await fresh(kind, true);
    await expect(migrateDown(t.db, 'latest')).rejects.toMatchObject({
      code: 'invalid_rollback_target',
      failureType: 'config',
    });
    await expect(migrateDown(t.db, '20000101000000')).rejects.toMatchObject({
      code: 'rollback_target_not_applied',
      hint: expect.stringContaining('or 0 to roll back every migration'),
    });
  });
});
