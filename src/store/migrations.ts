import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../core/errors.ts';
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
 */

const ROOT = fileURLToPath(new URL('../../supabase/', import.meta.url));
export const MIGRATIONS_DIR = path.join(ROOT, 'migrations');
export const LOCAL_EMULATION_DIR = path.join(ROOT, 'local');

/** An arbitrary constant shared by every stridesync process: "the migration lock". */
const MIGRATION_LOCK_KEY = 7_305_401_872_366_001n;
const FILE_NAME = /^(\d{14})_([a-z0-9_]+)\.sql$/;

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

async function takeMigrationLock(tx: Queryable): Promise<void> {
  await tx.query('select pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY.toString()]);
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
