import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';

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
      server.off('error', reject);
      resolve({ url: serverUrl(hostname, info), close: () => closeServer(server as Server) });
    });
    server.once('error', reject);
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
