import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import type { SimActivity } from '../../sim/strava/index.ts';

export interface TestServer {
  url: string;
  close(): Promise<void>;
}

/** Serves a Hono app over real HTTP on 127.0.0.1, on a free port. */
export function startServer(app: { fetch: Hono['fetch'] }): Promise<TestServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      const { port } = info as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            (server as Server).closeAllConnections();
            (server as Server).close(() => done());
          }),
      });
    }) as Server;
    server.once('error', reject);
  });
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** `[key, JSON type]` pairs in order: what "the same shape" means for two payloads. */
export function shapeOf(value: Record<string, unknown>): [string, string][] {
  return Object.entries(value).map(([key, item]) => [key, jsonType(item)]);
}

export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

export function hasGps(
  activity: SimActivity,
): activity is SimActivity & { startLatLng: [number, number] } {
  return Array.isArray(activity.startLatLng) && activity.startLatLng.length === 2;
}

/** The simulated "now" most tests run at. */
export const NOW = '2026-03-10T12:07:30Z';
