import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line written inside a piece of work carries: its correlation id, its session. */
export interface LogContext {
  correlationId: string;
  sessionId?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/**
 * Runs `work` with `context` bound to every log line written while it runs, by any logger made
 * by `createLogger`, however deep: the shared token manager, the resilient fetch, the weather
 * and place services are built once per process and cannot be handed each run's child logger.
 * A nested call adds to (and overrides) the outer context.
 */
export function withLogContext<T>(context: LogContext, work: () => T): T {
  const outer = storage.getStore();
  return storage.run(outer ? { ...outer, ...context } : context, work);
}

/** The context of the work under way, if any. */
export function currentLogContext(): LogContext | undefined {
  return storage.getStore();
}
