import type { Server } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { serve } from '@hono/node-server';
import { ConfigError } from '../core/errors.ts';

/** Time open connections (keep-alive, live progress streams) get to finish before being cut. */
const SHUTDOWN_GRACE_MS = 5_000;

export interface ServerOptions {
  /** 0 picks a free port (tests); the resolved `url` names the port actually bound. */
  port: number;
  /** Loopback by default: the local server holds a user's data and is not meant for the network. */
  hostname?: string;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** Serves `app` over HTTP with Node; resolves once it listens, rejects when it cannot bind. */
export function startServer(
  app: { fetch: (request: Request) => Response | Promise<Response> },
  { port, hostname = '127.0.0.1' }: ServerOptions,
): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    // Without `createServer`, @hono/node-server builds a plain node:http server.
    const server = serve({ fetch: app.fetch, port, hostname }, (info) => {
      server.off('error', fail);
      resolve({ url: serverUrl(hostname, info), close: () => closeServer(server as Server) });
    });
    const fail = (error: Error) => reject(bindError(error, port, hostname));
    server.once('error', fail);
  });
}

/**
 * Fails at once when the port cannot be bound (another program holds it), so a start-up does not
 * spend seconds migrating a database before finding out. Another program may still take the port
 * in between: `startServer` then fails with the same error.
 */
export function ensurePortFree(port: number, hostname = '127.0.0.1'): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error) => reject(bindError(error, port, hostname)));
    probe.listen({ port, host: hostname, exclusive: true }, () => probe.close(() => resolve()));
  });
}

function bindError(error: Error, port: number, hostname: string): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== 'EADDRINUSE' && code !== 'EACCES') return error;
  const cause =
    code === 'EADDRINUSE' ? 'is in use by another program' : 'may not be opened by this user';
  return new ConfigError({
    code: code === 'EADDRINUSE' ? 'port_in_use' : 'port_forbidden',
    userMessage: `PORT ${port} ${cause} (${hostname}:${port}).`,
    hint:
      code === 'EADDRINUSE'
        ? `Stop the other program (another 'stridesync start'?), or choose a free port: PORT=${port + 1} npm start.`
        : 'Choose a port above 1023, e.g. PORT=8787.',
    detail: `${code} binding ${hostname}:${port}`,
    cause: error,
  });
}

function serverUrl(hostname: string, { port }: AddressInfo): string {
  const host = hostname.includes(':') ? `[${hostname}]` : hostname;
  return `http://${host}:${port}`;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    const cutOff = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    cutOff.unref();
    server.close((error) => {
      clearTimeout(cutOff);
      if (error) reject(error);
      else resolve();
    });
    server.closeIdleConnections();
  });
}
