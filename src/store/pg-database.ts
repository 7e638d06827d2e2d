import pg from 'pg';
import type { Database, Queryable, QueryResult } from './database.ts';
import { retryTransaction } from './database.ts';
import { TEXT_PARSERS } from './type-parsers.ts';

const types = {
  getTypeParser: ((oid: number, format?: string) =>
    TEXT_PARSERS[oid] ??
    pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

export interface PgDatabaseOptions {
  /** Pool size; keep it small on serverless, where every instance has its own pool. */
  max?: number;
  /** Called when an idle pooled connection or the LISTEN connection fails. */
  onError?: (error: Error) => void;
}

/**
 * The `pg` adapter: any Postgres, Supabase included. It stays safe behind Supabase's
 * transaction pooler (Supavisor, port 6543): statements are sent unnamed, so no prepared
 * statement outlives its transaction, and session state is only ever set with `SET LOCAL`
 * or `set_config(..., true)` inside a transaction.
 *
 * LISTEN needs a session that stays open, which a transaction pooler cannot give: it uses its
 * own dedicated connection, so point `DATABASE_URL` at the direct or session-pooler address
 * where live progress over LISTEN/NOTIFY is wanted (production uses Supabase Realtime instead).
 */
export function createPgDatabase(url: string, options: PgDatabaseOptions = {}): Database {
  const onError = options.onError ?? (() => {});
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, types });
  pool.on('error', onError);
  const listener = makeListener(url, onError);

  return {
    kind: 'postgres',
    ...queryable(pool),
    withTransaction: (fn) =>
      retryTransaction(async () => {
        const client = await pool.connect();
        let failed: unknown;
        try {
          await client.query('begin');
          const result = await fn(queryable(client));
          await client.query('commit');
          return result;
        } catch (error) {
          failed = error;
          await client.query('rollback').catch(() => {});
          throw error;
        } finally {
          // A connection whose rollback failed may be in any state: destroy it, don't reuse it.
          client.release(failed instanceof Error && !isSqlError(failed) ? failed : undefined);
        }
      }),
    listen: listener.listen,
    async close() {
      await listener.close();
      await pool.end();
    },
  };
}

function isSqlError(error: Error): boolean {
  return typeof (error as { code?: unknown }).code === 'string';
}

function queryable(target: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
      const result = await target.query({ text, values: params ? [...params] : [] });
      return { rows: result.rows as Row[], rowCount: result.rowCount ?? result.rows.length };
    },
    async exec(sql: string) {
      await target.query(sql);
    },
  };
}

/** Pause before reconnecting a lost LISTEN connection: doubles per failure, up to the max. */
const RELISTEN_MIN_MS = 500;
const RELISTEN_MAX_MS = 30_000;

/**
 * One dedicated connection carries every LISTEN of this database handle. When it drops, it is
 * reopened and every channel listened to again. A NOTIFY sent while it was down is lost: callers
 * treat NOTIFY as a latency hint and poll as well, never as the only way to learn of a change.
 */
function makeListener(url: string, onError: (error: Error) => void) {
  const handlers = new Map<string, Set<(payload: string) => void>>();
  let connecting: Promise<pg.Client> | undefined;
  let current: pg.Client | undefined;
  let closed = false;
  let retryMs = RELISTEN_MIN_MS;

  const connect = (): Promise<pg.Client> => {
    connecting ??= open().catch((error: Error) => {
      connecting = undefined;
      throw error;
    });
    return connecting;
  };

  async function open(): Promise<pg.Client> {
    const c = new pg.Client({ connectionString: url, types });
    c.on('notification', (message) => {
      for (const handler of handlers.get(message.channel) ?? []) handler(message.payload ?? '');
    });
    c.on('error', (error) => {
      onError(error);
      lost(c);
    });
    c.on('end', () => lost(c));
    await c.connect();
    for (const channel of handlers.keys()) await c.query(`listen ${pg.escapeIdentifier(channel)}`);
    current = c;
    retryMs = RELISTEN_MIN_MS;
    return c;
  }

  function lost(c: pg.Client) {
    if (c !== current || closed) return;
    current = undefined;
    connecting = undefined;
    c.end().catch(() => {});
    if (handlers.size > 0) reconnectLater();
  }

  function reconnectLater() {
    const timer = setTimeout(() => {
      if (closed || connecting) return;
      connect().catch((error: Error) => {
        onError(error);
        retryMs = Math.min(retryMs * 2, RELISTEN_MAX_MS);
        reconnectLater();
      });
    }, retryMs);
    timer.unref();
  }

  return {
    async listen(channel: string, onNotify: (payload: string) => void) {
      const c = await connect();
      let channelHandlers = handlers.get(channel);
      if (!channelHandlers) {
        channelHandlers = new Set();
        handlers.set(channel, channelHandlers);
        await c.query(`listen ${pg.escapeIdentifier(channel)}`);
      }
      channelHandlers.add(onNotify);
      const subscribed = channelHandlers;
      return async () => {
        subscribed.delete(onNotify);
        if (subscribed.size === 0 && handlers.get(channel) === subscribed) {
          handlers.delete(channel);
          await current?.query(`unlisten ${pg.escapeIdentifier(channel)}`).catch(() => {});
        }
      };
    },
    async close() {
      closed = true;
      handlers.clear();
      const c = current ?? (await connecting?.catch(() => undefined));
      current = undefined;
      connecting = undefined;
      await c?.end();
    },
  };
}
