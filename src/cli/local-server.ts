import type { LocalSessionView } from '../api/contract.ts';
import {
  type ApiClient,
  ApiError,
  createApiClient,
  fetchLocalSession,
} from '../client/api-client.ts';
import type { Config } from '../config/config.ts';
import { type AppError, ConfigError, NotFoundError, TransientError } from '../core/errors.ts';
import { dataDirOwner } from '../store/data-dir-lock.ts';

/**
 * The embedded database serves one process. While `stridesync start` (or `serve`) holds it, a
 * command run beside it (`status`, `inspect`, `sync`) goes through that server's API instead:
 * the lock file names the process and the address it serves on (127.0.0.1:PORT), and the server
 * signs a token for its one user to anyone on this computer (GET /api/local/session).
 */
export interface LocalServer {
  url: string;
  pid: number;
  /** Whether it works the sync queue too (`start`); `serve` only answers the API. */
  worksSyncs: boolean;
  /** The install's one user, whom every request is made as. */
  user: LocalSessionView['user'];
  /** The typed client, signed in as `user`; its failures are AppErrors (see `throughServer`). */
  client: ApiClient;
}

/** A token is fetched again this long before it expires (a sync can outlast one). */
const RENEW_BEFORE_MS = 60_000;

/**
 * The local server holding the embedded database, if one does; undefined when the database is
 * Postgres (`DATABASE_URL`) or no other process holds the data directory (the command opens it
 * itself). A holder that serves no API yet, or does not answer, is said plainly.
 */
export async function findLocalServer(config: Config): Promise<LocalServer | undefined> {
  if (config.database.kind !== 'pglite') return undefined;
  const owner = dataDirOwner(config.database.dataDir);
  if (!owner) return undefined;
  const { pid, url } = owner;
  if (!url) {
    throw new ConfigError({
      code: 'embedded_database_in_use',
      userMessage: `The embedded database in ${config.database.dataDir} is in use by another stridesync process (pid ${pid}) that serves no API.`,
      hint: "Wait until 'stridesync start' prints its address and run this again, or stop that process first. To run several processes on one database, set DATABASE_URL to a Postgres server.",
    });
  }
  let session = await signIn(url, pid);
  const client = createApiClient({
    baseUrl: url,
    async getAccessToken() {
      if (Date.parse(session.expiresAt) - Date.now() < RENEW_BEFORE_MS)
        session = await signIn(url, pid);
      return session.accessToken;
    },
  });
  return { url, pid, worksSyncs: owner.worksSyncs, user: session.user, client };
}

async function signIn(url: string, pid: number): Promise<LocalSessionView> {
  let session: LocalSessionView | null;
  try {
    session = await fetchLocalSession({ baseUrl: url });
  } catch (error) {
    throw new TransientError({
      code: 'local_server_unreachable',
      userMessage: `The stridesync server holding the embedded database (pid ${pid}) does not answer at ${url}.`,
      hint: 'If it is still starting, try again in a moment; if it hangs, stop it and run this again.',
      detail: `GET ${url}/api/local/session failed: ${(error as Error).message}`,
      cause: error,
    });
  }
  if (!session) {
    throw new ConfigError({
      code: 'local_server_without_local_session',
      userMessage: `The stridesync server at ${url} (pid ${pid}) holds the embedded database but signs in its users with Supabase, so this command cannot act for them.`,
      hint: 'Use the dashboard or the API with your own token, or point DATABASE_URL at Postgres and run this command beside the server.',
    });
  }
  return session;
}

/** Runs `call` on the server; its ApiError becomes the AppError the CLI reports. */
export async function throughServer<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw error instanceof ApiError ? appErrorOf(error) : error;
  }
}

/** The server's own words and next step, with its correlation id for its log lines. */
export function appErrorOf(error: ApiError): AppError {
  const options = {
    code: error.code,
    userMessage: error.message,
    hint: error.hint,
    detail: `the local server answered ${error.status} ${error.code} (correlation id ${error.correlationId ?? 'none'})`,
    cause: error,
  };
  if (error.status === 404) return new NotFoundError(options);
  return error.isTransient ? new TransientError(options) : new ConfigError(options);
}

/** `--user` through the local server can only be its one user: it signs in no one else. */
export function requireServerUser(server: LocalServer, userId: string): void {
  if (userId === server.user.id) return;
  throw new ConfigError({
    code: 'local_server_other_user',
    userMessage: `The stridesync server at ${server.url} holds the embedded database and signs in only its own user, ${server.user.id}, not ${userId}.`,
    hint: `Run this for ${server.user.id}, or stop the server (pid ${server.pid}) to reach the database directly.`,
  });
}
