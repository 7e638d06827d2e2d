import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, SystemError } from '../core/errors.ts';
import type { Database, Queryable } from './database.ts';

/**
 * Applies `supabase/migrations/<UTC timestamp>_<name>.sql`, the single source of truth for the
 * schema, the way the Supabase CLI does: each pending file in its own transaction, recorded in
 * `supabase_migrations.schema_migrations (version, statements, name)`. A database migrated here
 * and one migrated by `supabase db push` end in the same state, and either tool sees the
 * other's work as applied.
 *
 * Concurrency: every transaction first takes one transaction-scoped advisory lock, so two
 * processes starting at once apply each file exactly once. A transaction-scoped lock (not a
 * session one) keeps this safe behind a transaction pooler.
 *
 * The way back: `supabase/rollback/<version>_<name>.sql` undoes the migration of the same name.
 * `migrateDown` runs them newest first under the same lock, each in its own transaction with the
 * removal of the migration's record, so the Supabase CLI then sees the migration as not applied.
 */

const ROOT = fileURLToPath(new URL('../../supabase/', import.meta.url));
export const MIGRATIONS_DIR = path.join(ROOT, 'migrations');
export const LOCAL_EMULATION_DIR = path.join(ROOT, 'local');
export const ROLLBACK_DIR = path.join(ROOT, 'rollback');

/** An arbitrary constant shared by every stridesync process: "the migration lock". */
const MIGRATION_LOCK_KEY = 7_305_401_872_366_001n;
const FILE_NAME = /^(\d{14})_([a-z0-9_]+)\.sql$/;
/** The header line of a rollback script that cannot undo its migration without losing data. */
const DESTROYS_DATA = /^--\s*stridesync:\s*destroys-data\s+(\S.*)$/;

export interface SqlFile {
  version: string;
  name: string;
  sql: string;
}

export interface MigrationReport {
  /** Whether the Supabase stand-ins in supabase/local were applied (plain Postgres, PGlite). */
  emulatedSupabase: boolean;
  applied: string[];
  alreadyApplied: number;
}

export interface RollbackFile extends SqlFile {
  /** What running it loses, from its `-- stridesync: destroys-data <what>` header; else undefined. */
  destroysData: string | undefined;
}

export interface RollbackReport {
  /** `<version>_<name>` of each migration rolled back, newest first. */
  rolledBack: string[];
  /** Migrations newer than the target that another process had already rolled back. */
  alreadyRolledBack: number;
}

/** One migration to undo, as `planRollback` found it. */
export interface RollbackStep {
  version: string;
  /** The rollback script's name (the applied record's name may be empty). */
  name: string;
  destroysData: string | undefined;
}

export async function loadMigrationFiles(dir = MIGRATIONS_DIR): Promise<SqlFile[]> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.sql')).sort();
  return Promise.all(
    names.map(async (fileName) => {
      const match = FILE_NAME.exec(fileName);
      if (!match?.[1] || !match[2]) {
        throw new ConfigError({
          code: 'invalid_migration_name',
          userMessage: `Migration file ${fileName} is not named <14-digit UTC timestamp>_<name>.sql`,
          hint: 'Rename it the way `supabase migration new` does, e.g. 20261128190000_add_index.sql.',
        });
      }
      return {
        version: match[1],
        name: match[2],
        sql: await readFile(path.join(dir, fileName), 'utf8'),
      };
    }),
  );
}

export async function loadRollbackFiles(dir = ROLLBACK_DIR): Promise<RollbackFile[]> {
  const files = await loadMigrationFiles(dir);
  return files.map((file) => ({ ...file, destroysData: destroysData(file.sql) }));
}

/** The `destroys-data` marker among the comment lines a rollback script opens with. */
function destroysData(sql: string): string | undefined {
  for (const line of sql.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('--')) return undefined;
    const match = DESTROYS_DATA.exec(trimmed);
    if (match?.[1]) return match[1].trim();
  }
  return undefined;
}

export async function migrate(
  db: Database,
  files?: { migrations?: SqlFile[]; localEmulationDir?: string },
): Promise<MigrationReport> {
  const migrations = files?.migrations ?? (await loadMigrationFiles());
  const emulatedSupabase = await emulateSupabaseWhereAbsent(
    db,
    files?.localEmulationDir ?? LOCAL_EMULATION_DIR,
  );
  const report: MigrationReport = {
    emulatedSupabase,
    applied: [],
    alreadyApplied: 0,
  };
  for (const migration of migrations) {
    const applied = await db.withTransaction(async (tx) => {
      await takeMigrationLock(tx);
      await ensureHistoryTable(tx);
      const { rowCount } = await tx.query(
        'select 1 from supabase_migrations.schema_migrations where version = $1',
        [migration.version],
      );
      if (rowCount > 0) return false;
      await tx.exec(migration.sql);
      await tx.query(
        'insert into supabase_migrations.schema_migrations (version, statements, name) values ($1, $2, $3)',
        [migration.version, [migration.sql], migration.name],
      );
      return true;
    });
    if (applied) report.applied.push(`${migration.version}_${migration.name}`);
    else report.alreadyApplied++;
  }
  return report;
}

/**
 * Supabase's own `auth` schema, API roles and `realtime.send` are present on Supabase; on plain
 * Postgres and PGlite, supabase/local stands in for them. Its files only create what is absent,
 * so a wrong guess here would still change nothing on Supabase.
 */
async function emulateSupabaseWhereAbsent(db: Database, dir: string): Promise<boolean> {
  const { rows } = await db.query<{ complete: boolean }>(`
    select to_regprocedure('auth.uid()') is not null
       and to_regprocedure('auth.role()') is not null
       and to_regprocedure('auth.jwt()') is not null
       and to_regclass('auth.users') is not null
       and to_regprocedure('realtime.send(jsonb, text, text, boolean)') is not null
       and to_regprocedure('realtime.topic()') is not null
       and to_regclass('realtime.messages') is not null
       and (select count(*) from pg_roles where rolname in ('anon', 'authenticated', 'service_role')) = 3
       as complete`);
  if (rows[0]?.complete) return false;
  const names = (await readdir(dir)).filter((name) => name.endsWith('.sql')).sort();
  for (const name of names) {
    const sql = await readFile(path.join(dir, name), 'utf8');
    await db.withTransaction(async (tx) => {
      await takeMigrationLock(tx);
      await tx.exec(sql);
    });
  }
  return true;
}

/**
 * Waits for the migration lock, then reads the catalog through a table lock. An advisory lock
 * does not make the backend take in the catalog changes other sessions committed while it
 * waited; locking a catalog table does. Without it, a name looked up before the wait (the
 * `to_regprocedure('auth.uid()')` above) stays cached as absent, and `create schema if not
 * exists auth` collides with the schema the other process has just created.
 */
async function takeMigrationLock(tx: Queryable): Promise<void> {
  await tx.query('select pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY.toString()]);
  await tx.query('select 1 from pg_catalog.pg_namespace limit 1');
}

async function ensureHistoryTable(tx: Queryable): Promise<void> {
  // The Supabase CLI's own shape; `create ... if not exists` leaves the CLI's table as it is.
  await tx.exec(`
    create schema if not exists supabase_migrations;
    create table if not exists supabase_migrations.schema_migrations (
      version text not null primary key,
      statements text[],
      name text
    );`);
}

/**
 * Rolls the database back to `target`: every applied migration newer than it is undone, newest
 * first, and `target` itself stays applied, as `supabase db reset --version <target>` leaves a
 * database at that version. `target` `0` undoes them all. Refuses, before changing anything,
 * when an applied migration has no rollback script, or when a step loses data and
 * `allowDataLoss` is not set.
 */
export async function migrateDown(
  db: Database,
  target: string,
  options: { allowDataLoss?: boolean; rollbacks?: RollbackFile[] } = {},
): Promise<RollbackReport> {
  const rollbacks = options.rollbacks ?? (await loadRollbackFiles());
  const steps = await planRollback(db, target, rollbacks);
  const losing = steps.filter((step) => step.destroysData !== undefined);
  if (losing.length > 0 && !options.allowDataLoss) {
    throw new ConfigError({
      code: 'rollback_destroys_data',
      userMessage: `Rolling back to ${target} loses data; nothing was changed. ${losing
        .map((step) => `${step.version}_${step.name} loses ${step.destroysData}.`)
        .join(' ')}`,
      hint: 'Take a backup first (pg_dump, or a Supabase backup), then run the same command with --allow-data-loss.',
    });
  }
  const byVersion = new Map(rollbacks.map((file) => [file.version, file]));
  const report: RollbackReport = { rolledBack: [], alreadyRolledBack: 0 };
  for (const step of steps) {
    const file = byVersion.get(step.version) as RollbackFile;
    const undone = await db
      .withTransaction(async (tx) => {
        await takeMigrationLock(tx);
        const { rowCount } = await tx.query(
          'delete from supabase_migrations.schema_migrations where version = $1',
          [step.version],
        );
        if (rowCount === 0) return false;
        await tx.exec(file.sql);
        return true;
      })
      .catch((error: unknown) => {
        const done = report.rolledBack.length ? report.rolledBack.join(', ') : 'none';
        throw new SystemError({
          code: 'rollback_failed',
          userMessage: `The rollback script supabase/rollback/${step.version}_${step.name}.sql failed, so ${step.version} is still applied (its step was undone whole). Rolled back before it: ${done}.`,
          hint: 'Read the database error in the log, fix that rollback script, and run the same command again: it continues from where it stopped.',
          detail: `rollback of ${step.version}_${step.name} failed: ${(error as Error).message}`,
          cause: error,
        });
      });
    if (undone) report.rolledBack.push(`${step.version}_${step.name}`);
    else report.alreadyRolledBack++;
  }
  return report;
}

/** The applied migrations newer than `target`, newest first, each with its rollback script. */
export async function planRollback(
  db: Queryable,
  target: string,
  rollbacks: RollbackFile[],
): Promise<RollbackStep[]> {
  if (!/^(0|\d{14})$/.test(target)) {
    throw new ConfigError({
      code: 'invalid_rollback_target',
      userMessage: `'${target}' is not a migration version.`,
      hint: 'Give the 14-digit version to go back to (see supabase/migrations), or 0 to roll back every migration.',
    });
  }
  const applied = await appliedVersions(db);
  if (target !== '0' && !applied.includes(target)) {
    throw new ConfigError({
      code: 'rollback_target_not_applied',
      userMessage: `Migration ${target} is not applied to this database, so there is no state to go back to.`,
      hint: `Give one of the applied versions${applied.length ? ` (the newest is ${applied.at(-1)})` : ''}, or 0 to roll back every migration.`,
    });
  }
  const byVersion = new Map(rollbacks.map((file) => [file.version, file]));
  const newer = applied.filter((version) => version > target).reverse();
  const missing = newer.filter((version) => !byVersion.has(version));
  if (missing.length > 0) {
    throw new ConfigError({
      code: 'rollback_script_missing',
      userMessage: `No rollback script for ${missing.join(', ')} in supabase/rollback; nothing was changed.`,
      hint: 'Run the stridesync release that applied these migrations (its supabase/rollback has their scripts), or write supabase/rollback/<version>_<name>.sql for each.',
    });
  }
  return newer.map((version) => {
    const file = byVersion.get(version) as RollbackFile;
    return { version, name: file.name, destroysData: file.destroysData };
  });
}

/**
 * For the commands that serve or work without migrating: refuses a database whose schema is
 * behind this code (a fresh one included) with what to run, instead of failing later on a
 * missing table. Where the migration files are not deployed, nothing can be compared.
 */
export async function requireMigrated(db: Queryable, dir = MIGRATIONS_DIR): Promise<void> {
  const { applied, pending } = await migrationStatus(db, dir);
  if (!pending?.length) return;
  throw new ConfigError({
    code: 'migrations_pending',
    userMessage:
      applied.length === 0
        ? `The database has no stridesync schema yet (${pending.length} migrations to apply).`
        : `The database's schema is behind this code: ${pending.length} migration(s) pending (${pending.join(', ')}).`,
    hint: "Run 'stridesync migrate' against the same DATABASE_URL (or use 'stridesync start' locally, which migrates), then run this command again.",
  });
}

async function appliedVersions(db: Queryable): Promise<string[]> {
  const { rows: history } = await db.query<{ present: boolean }>(
    `select to_regclass('supabase_migrations.schema_migrations') is not null as present`,
  );
  if (!history[0]?.present) return [];
  const { rows } = await db.query<{ version: string }>(
    'select version from supabase_migrations.schema_migrations order by version',
  );
  return rows.map((row) => row.version);
}

export interface MigrationStatus {
  /** Versions recorded as applied in this database, newest last. */
  applied: string[];
  /** The files this code ships that the database has not applied; null where they cannot be read. */
  pending: string[] | null;
}

/**
 * Whether the database's schema is the one this code expects: its applied versions against the
 * migration files beside the code. Where the files are not deployed (a bundled function),
 * `pending` is null and only what is applied is known.
 */
export async function migrationStatus(
  db: Queryable,
  dir = MIGRATIONS_DIR,
): Promise<MigrationStatus> {
  const applied = await appliedVersions(db);
  let files: SqlFile[];
  try {
    files = await loadMigrationFiles(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { applied, pending: null };
    throw error;
  }
  const done = new Set(applied);
  return { applied, pending: files.map((f) => f.version).filter((v) => !done.has(v)) };
}
