import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import type { Database } from '../../src/store/database.ts';
import { migrate } from '../../src/store/migrations.ts';
import { createPgDatabase } from '../../src/store/pg-database.ts';
import { openPglite, pgliteDatabase } from '../../src/store/pglite-database.ts';
import { adminUrl, databaseUrl } from './postgres-urls.ts';

export interface TestDatabase {
  db: Database;
  /** Connection string (Postgres only), for a second process or the Supabase CLI. */
  url?: string;
  /** Closes the handle and drops the database. */
  dispose(): Promise<void>;
}

export type AdapterKind = 'postgres' | 'pglite';
export const ADAPTERS: AdapterKind[] = ['postgres', 'pglite'];

export function createTestDatabase(kind: AdapterKind, options: { migrated?: boolean } = {}) {
  return kind === 'postgres'
    ? createPostgresTestDatabase(options)
    : createPgliteTestDatabase(options);
}

/** A fresh database on the Postgres server: a clone of the migrated template, or empty. */
export async function createPostgresTestDatabase({ migrated = true } = {}): Promise<TestDatabase> {
  const name = `stridesync_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const admin = createPgDatabase(adminUrl(), { max: 1 });
  await admin.query(
    migrated
      ? `create database ${name} template ${inject('templateDatabase')}`
      : `create database ${name}`,
  );
  const url = databaseUrl(name);
  const db = createPgDatabase(url, { max: 4 });
  return {
    db,
    url,
    async dispose() {
      await db.close();
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.close();
    },
  };
}

let migratedDump: Promise<Blob> | undefined;

/**
 * A fresh in-memory PGlite. Migrated ones start from a dump of one migrated instance, made once
 * per test worker, which is several times faster than migrating each.
 */
export async function createPgliteTestDatabase({ migrated = true } = {}): Promise<TestDatabase> {
  const pglite = migrated
    ? await openPglite('memory://', { loadDataDir: await migratedDataDir() })
    : await openPglite('memory://');
  const db = pgliteDatabase(pglite);
  return { db, dispose: () => db.close() };
}

function migratedDataDir(): Promise<Blob> {
  migratedDump ??= (async () => {
    const pglite = await openPglite('memory://');
    await migrate(pgliteDatabase(pglite));
    const dump = await pglite.dumpDataDir('none');
    await pglite.close();
    return dump;
  })();
  return migratedDump;
}
