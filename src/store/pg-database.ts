import pg from 'pg';
import { ConfigError, TransientError } from '../core/errors.ts';
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
  /**
   * Called when a connection fails outside any call that could report it: an idle pooled
   * connection, a transaction's connection between statements, the LISTEN connection. A lost
   * connection arrives as a `TransientError` (`database_connection_lost`) with the driver's
   * error as its cause. The process goes on either way: the pool replaces the connection.
   */
  onError?: (error: Error) => void;
}

/**
 * Time allowed to open a connection (pool and LISTEN alike) before the call fails with a
 * `TransientError` (`database_unreachable`): 10 s covers a cold pooler and a TLS handshake
 * across regions; past it the server is down or unreachable, and waiting longer only holds the
 * request that asked.
 */
const CONNECTION_TIMEOUT_MS = 10_000;

/**
 * Longest a statement inside `withTransaction` may run: 60 s. The longest legitimate ones are
 * a slice's upsert and a wait for a ledger row lock, both well under a second; a statement past
 * a minute is stuck behind a lock or runs away, and would otherwise hold its connection (and its
 * locks) for ever. It is set with `SET LOCAL` in the same round trip as `begin`, so it dies with
 * the transaction and never leaks into a pooled session (a startup parameter would be refused
 * by PgBouncer and not carried per transaction by Supavisor). A migration that needs longer sets
 * its own `set local statement_timeout` first. Statements outside a transaction keep the
 * server's (on Supabase, the role's) default.
 */
const STATEMENT_TIMEOUT_MS = 60_000;
const BEGIN = `begin; set local statement_timeout = ${STATEMENT_TIMEOUT_MS}`;

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
  const report = (error: Error) => onError(classifyDatabaseError(error) ?? error);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: CONNECTION_TIMEOUT_MS,
    types,
  });
  // An idle pooled connection that dies: the pool drops it; without a listener, the process dies.
  pool.on('error', report);
  const listener = makeListener(url, report);

  return {
    kind: 'postgres',
    ...queryable(pool),
    withTransaction: (fn) =>
      retryTransaction(async () => {
        const client = await pool.connect().catch(rethrowClassified);
        // A checked-out client has no error listener of the pool's: a connection lost between
        // two statements would be an unhandled 'error' event. Record it; the next statement
        // fails, and the client is destroyed on release instead of going back to the pool.
        let lost: Error | undefined;
        const onLost = (error: Error) => {
          if (lost) return;
          lost = error;
          report(error);
        };
        client.on('error', onLost);
        let broken = false;
        try {
          await client.query(BEGIN);
          const result = await fn(queryable(client));
          await client.query('commit');
          return result;
        } catch (error) {
          // A connection whose rollback failed may be in any state: destroy it, don't reuse it.
          await client.query('rollback').catch(() => {
            broken = true;
          });
          // Lost mid-transaction: whether a commit in flight took effect is unknown, so this is
          // never re-run here; the caller's retry (a job, a request) starts from what is stored.
          if (lost) throw connectionLost(lost);
          return rethrowClassified(error);
        } finally {
          client.removeListener('error', onLost);
          client.release(lost ?? broken);
        }
      }),
    listen: listener.listen,
    async close() {
      await listener.close();
      await pool.end();
    },
  };
}

/**
 * SQLSTATEs and driver errors that mean the connection, not the statement, failed. Class 08 is
 * `connection_exception` (but 08P01, a protocol violation, is a bug or a misconfigured pooler,
 * not worth retrying); 57P01..57P03 are the server shutting a backend down (a failover,
 * `pg_terminate_backend`, a restart) or not accepting connections yet.
 */
const LOST_SQLSTATES = new Set(['57P01', '57P02']);
const UNREACHABLE_SQLSTATES = new Set(['57P03', '53300']); // cannot_connect_now, too_many_connections
const LOST_ERRNOS = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);
const UNREACHABLE_ERRNOS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);
const LOST_MESSAGES = [
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
];
const UNREACHABLE_MESSAGES = ['timeout exceeded when trying to connect'];
/** `statement_timeout` ran out (or an operator cancelled): the statement, not the data, failed. */
const QUERY_CANCELED = '57014';

/**
 * A connection failure or a cancelled statement as a `TransientError` (retrying can succeed);
 * anything else (constraint violations, serialization failures for the retry loop): undefined.
 */
export function classifyDatabaseError(error: unknown): TransientError | undefined {
  if (!(error instanceof Error) || error instanceof TransientError) {
    return error instanceof TransientError ? error : undefined;
  }
  const code = (error as { code?: unknown }).code;
  const message = error.message;
  if (
    (typeof code === 'string' && UNREACHABLE_SQLSTATES.has(code)) ||
    (typeof code === 'string' && UNREACHABLE_ERRNOS.has(code)) ||
    UNREACHABLE_MESSAGES.some((m) => message.startsWith(m))
  ) {
    return new TransientError({
      code: 'database_unreachable',
      userMessage: 'The database cannot be reached right now.',
      hint: 'Try again in a minute; if it persists, check that the database is up and DATABASE_URL points at it.',
      detail: `database unreachable: ${message}`,
      cause: error,
    });
  }
  if (
    (typeof code === 'string' &&
      ((code.startsWith('08') && code !== '08P01') || LOST_SQLSTATES.has(code))) ||
    (typeof code === 'string' && LOST_ERRNOS.has(code)) ||
    LOST_MESSAGES.some((m) => message.startsWith(m))
  ) {
    return connectionLost(error);
  }
  if (code === QUERY_CANCELED) {
    return new TransientError({
      code: 'database_timeout',
      userMessage: 'The database took too long to answer.',
      hint: 'Try again in a moment.',
      detail: `statement cancelled: ${message}`,
      cause: error,
    });
  }
  return undefined;
}

/**
 * Why the first connection to `DATABASE_URL` failed, when someone must act on it: nothing
 * listens there, its host is unknown, its database does not exist, its user or password is
 * refused, or it does not answer. A `ConfigError` naming the variable, the cause and the fix,
 * with the address but never the password; anything else (an SSL mismatch, a server that is
 * starting): undefined, and the caller keeps the error it had.
 */
export function startupDatabaseError(error: unknown, url: string): ConfigError | undefined {
  const raw = error instanceof TransientError && error.cause instanceof Error ? error.cause : error;
  if (!(raw instanceof Error)) return undefined;
  const target = new URL(url);
  const port = target.port || '5432';
  const where = `${target.hostname}:${port}`;
  const database =
    decodeURIComponent(target.pathname.slice(1)) || decodeURIComponent(target.username);
  const user = decodeURIComponent(target.username) || 'the default user';
  const code = (raw as { code?: unknown }).code;
  const refusal = (code: string, userMessage: string, hint: string): ConfigError =>
    new ConfigError({
      code,
      userMessage: `DATABASE_URL: ${userMessage}`,
      hint,
      detail: `connecting to ${where} failed: ${raw.message}`,
      cause: raw,
    });
  if (code === 'ECONNREFUSED') {
    return refusal(
      'database_refused',
      `nothing is listening at ${where}.`,
      'Start Postgres, or unset DATABASE_URL to use the embedded database.',
    );
  }
  if (code === 'ENOTFOUND') {
    return refusal(
      'database_host_unknown',
      `the host '${target.hostname}' is not known (DNS has no such name).`,
      'Fix the host name in DATABASE_URL, or unset DATABASE_URL to use the embedded database.',
    );
  }
  if (code === '3D000') {
    return refusal(
      'database_missing',
      `the database '${database}' does not exist on ${where}.`,
      `Create it (createdb -h ${target.hostname} -p ${port} -U ${user} ${database}), or fix the database name at the end of DATABASE_URL.`,
    );
  }
  if (code === '28P01') {
    return refusal(
      'database_password_refused',
      `${where} refused the password of user '${user}'.`,
      'Fix the password in DATABASE_URL (percent-encode any @, : or / in it).',
    );
  }
  if (code === '28000') {
    return refusal(
      'database_user_refused',
      `${where} refused user '${user}' (${raw.message}).`,
      'Use a role that exists and may connect from this machine (pg_hba.conf), or fix the user in DATABASE_URL.',
    );
  }
  if (UNREACHABLE_MESSAGES.some((m) => raw.message.startsWith(m))) {
    return refusal(
      'database_connect_timeout',
      `${where} did not answer within ${CONNECTION_TIMEOUT_MS / 1000} s.`,
      'Check that Postgres runs there and that this machine can reach it (a firewall, a VPN), then try again.',
    );
  }
  return undefined;
}

function connectionLost(cause: Error): TransientError {
  return new TransientError({
    code: 'database_connection_lost',
    userMessage: 'The connection to the database was lost.',
    hint: 'Try again in a moment: a new connection is opened on the next call.',
    detail: `database connection lost: ${cause.message}`,
    cause,
  });
}

/** Throws a connection failure as a `TransientError`; anything else (SQL errors) as it is. */
function rethrowClassified(error: unknown): never {
  throw classifyDatabaseError(error) ?? error;
}

function queryable(target: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<Row>(text: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
      const result = await target
        .query({ text, values: params ? [...params] : [] })
        .catch(rethrowClassified);
      return { rows: result.rows as Row[], rowCount: result.rowCount ?? result.rows.length };
    },
    async exec(sql: string) {
      await target.query(sql).catch(rethrowClassified);
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
    const c = new pg.Client({
      connectionString: url,
      connectionTimeoutMillis: CONNECTION_TIMEOUT_MS,
      types,
    });
    c.on('notification', (message) => {
      for (const handler of handlers.get(message.channel) ?? []) handler(message.payload ?? '');
    });
    c.on('error', (error) => {
      onError(error);
      lost(c);
    });
    c.on('end', () => lost(c));
    try {
      await c.connect();
      for (const channel of handlers.keys()) {
        await c.query(`listen ${pg.escapeIdentifier(channel)}`);
      }
    } catch (error) {
      // Half-open: close it, or it lingers unseen (it is not `current`, so `lost` skips it).
      c.end().catch(() => {});
      return rethrowClassified(error);
    }
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
      const existing = handlers.get(channel);
      const subscribed = existing ?? new Set<(payload: string) => void>();
      subscribed.add(onNotify);
      if (!existing) {
        handlers.set(channel, subscribed);
        await c.query(`listen ${pg.escapeIdentifier(channel)}`).catch((error: unknown) => {
          // Not listening after all: forget the channel, so a reconnect does not listen to it
          // for nobody, and let the caller retry (or poll).
          if (handlers.get(channel) === subscribed) handlers.delete(channel);
          rethrowClassified(error);
        });
      }
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
