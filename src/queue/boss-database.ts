import type { Queryable } from '../store/database.ts';

/** pg-boss's whole database port: its `db` option, and the `db` option of `send`, `complete`… */
export interface BossDatabase {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/**
 * pg-boss sends its schema creation, migrations and maintenance as one parameterless script
 * wrapped in `BEGIN; … COMMIT;`. A parameterised statement (the only kind PGlite's `query` and
 * the extended protocol accept) cannot carry several statements, so such scripts go through
 * `exec`; pg-boss never reads their results.
 */
const SCRIPT = /^\s*BEGIN\s*;/i;

/**
 * Our database port as pg-boss's `executeSql`, over the database itself or over an open
 * transaction: the latter is how a job is sent in the same transaction as the rows it is about
 * (`send(name, data, { db: bossDatabase(tx) })`), on Postgres and PGlite alike.
 */
export function bossDatabase(target: Queryable): BossDatabase {
  return {
    async executeSql(text, values) {
      if ((values === undefined || values.length === 0) && SCRIPT.test(text)) {
        await target.exec(text);
        return { rows: [] };
      }
      return target.query(text, values ?? []);
    },
  };
}

/** What a call on the port gets once the queue has stopped. */
export class JobQueueClosedError extends Error {
  override name = 'JobQueueClosedError';
}

/**
 * The port pg-boss itself runs on, with an end. pg-boss fires a job's `complete`/`fail` without
 * awaiting it once a handler returns, so after `stop()` some may still be in flight: `settle()`
 * waits for them before the caller closes the database. After `close()`, a late call (the
 * bookkeeping of a handler abandoned at shutdown, whose job pg-boss has already failed for a
 * retry) fails with a JobQueueClosedError that says so. It must not answer with empty rows:
 * pg-boss reads `rows[0]` of what `complete`/`fail` return, and a made-up answer turns into a
 * TypeError deep inside pg-boss instead of an error naming the cause.
 */
export function closableBossDatabase(target: Queryable): BossDatabase & {
  settle(): Promise<void>;
  close(): void;
} {
  const port = bossDatabase(target);
  const inFlight = new Set<Promise<unknown>>();
  let closed = false;
  return {
    async executeSql(text: string, values?: unknown[]) {
      if (closed) {
        throw new JobQueueClosedError(
          `the job queue has stopped; pg-boss's late call was not run: ${text.trim().slice(0, 60)}`,
        );
      }
      const call = port.executeSql(text, values);
      inFlight.add(call);
      try {
        return await call;
      } finally {
        inFlight.delete(call);
      }
    },
    async settle() {
      await Promise.allSettled([...inFlight]);
    },
    close() {
      closed = true;
    },
  };
}
