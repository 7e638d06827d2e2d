/**
 * A separate OS process whose transaction loses its connection: the backend is terminated
 * while the transaction is idle between statements. Without an error listener on the
 * checked-out client, pg's 'error' event ends the process; with one, the call fails and the
 * process goes on. Prints a JSON summary: the failure's class and code, then the result of the
 * next transaction. Nothing here installs a process-level handler: the adapter alone must cope.
 * argv: <databaseUrl>
 */

import { AppError } from '../../src/core/errors.ts';
import { createPgDatabase } from '../../src/store/pg-database.ts';

const [databaseUrl] = process.argv.slice(2) as [string];
const db = createPgDatabase(databaseUrl, { max: 2 });
const killer = createPgDatabase(databaseUrl, { max: 1 });

const failure = await db
  .withTransaction(async (tx) => {
    const { rows } = await tx.query<{ pid: number }>('select pg_backend_pid() as pid');
    await killer.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await tx.query('select 1');
  })
  .then(
    () => null,
    (error: unknown) => ({
      name: (error as Error).name,
      code: error instanceof AppError ? error.code : String((error as { code?: unknown }).code),
    }),
  );
const next = await db.withTransaction(
  async (tx) => (await tx.query<{ one: number }>('select 1 as one')).rows[0]!.one,
);
process.stdout.write(JSON.stringify({ failure, next }));
await killer.close();
await db.close();
