import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';

/** A simulator app served over real HTTP on a free loopback port. */
export interface ServedApp {
  url: string;
  close(): Promise<void>;
}

export function serveApp(app: Hono): Promise<ServedApp> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      const { port } = info as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            if ('closeAllConnections' in server) server.closeAllConnections();
          }),
      });
    });
    server.once('error', reject);
  });
}

/** GET a path of an in-process app, the way a client would. */
export function get(app: Hono, path: string, headers?: Record<string, string>) {
  return app.request(path, headers ? { headers } : undefined);
}

/** Epoch seconds of an ISO instant. */
export const epoch = (iso: string): number => Date.parse(iso) / 1000;
