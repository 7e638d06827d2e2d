import type { TestProject } from 'vitest/node';
import { migrate } from '../src/store/migrations.ts';
import { createPgDatabase } from '../src/store/pg-database.ts';
import { adminUrl, databaseUrl } from './support/postgres-urls.ts';

/**
 * Runs once per `vitest run`: creates one migrated template database on the Postgres server,
 * which each test file clones (`create database … template …`, a file copy: far faster than
 * migrating again), and drops it at the end.
 */
export default async function setup(project: TestProject) {
  const template = `stridesync_tpl_${process.pid}_${Date.now().toString(36)}`;
  const admin = createPgDatabase(adminUrl());
  try {
    await admin.query('select 1');
  } catch (error) {
    await admin.close();
    throw new Error(
      `The tests need a Postgres server and could not reach ${adminUrl()} (${String(error)}). ` +
        'Start one (this project runs against PostgreSQL 15+) or set TEST_DATABASE_URL to a ' +
        'server where the user may create databases.',
    );
  }
  await admin.query(`create database ${template}`);
  const db = createPgDatabase(databaseUrl(template));
  await migrate(db);
  await db.close();
  project.provide('templateDatabase', template);

  return async () => {
    await admin.query(`drop database if exists ${template} with (force)`);
    await admin.close();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}
