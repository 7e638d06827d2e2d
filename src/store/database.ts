/**
 * The database port: the one narrow interface every part of stridesync talks to Postgres
 * through. Two adapters implement it: `pg` (any Postgres, Supabase included) and PGlite
 * (embedded Postgres in WASM). Like pg-boss's `executeSql`, it is small on purpose, so a caller
 * can run its writes and its enqueue in one transaction whatever the adapter.
 */

export interface QueryResult<Row> {
  rows: Row[];
  rowCount: number;
}

/** Anything that runs a parameterised statement: the database itself or an open transaction. */
export interface Queryable {
  query<Row = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<Row>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export type Notification = { channel: string; payload: string };
export type Unlisten = () => Promise<void>;

export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /**
   * Runs `fn` in one transaction: commit when it resolves, roll back when it throws. On a
   * serialization failure or a deadlock the whole of `fn` runs again (a few times, with a short
   * pause), so `fn` must not have side effects outside the transaction.
   */
  withTransaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Subscribes to NOTIFY on `channel`; resolves once LISTEN is in effect. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<Unlisten>;
  close(): Promise<void>;
}

/** SQLSTATEs after which re-running the whole transaction is safe and likely to succeed. */
const RETRYABLE_SQLSTATES = new Set(['40001', '40P01']); // serialization_failure, deadlock_detected
export const TRANSACTION_ATTEMPTS = 4;

export function isRetryableTransactionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRYABLE_SQLSTATES.has(code);
}

/** Re-runs `attempt` after serialization failures and deadlocks; anything else is thrown at once. */
export async function retryTransaction<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (n >= TRANSACTION_ATTEMPTS || !isRetryableTransactionError(error)) throw error;
      // Jittered pause so two colliding transactions do not collide again in lockstep.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * 2 ** n));
    }
  }
}
