import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import {
  createStravaSimulator,
  type SimActivity,
  type StravaSimulator,
  type StravaSimulatorOptions,
} from '../../sim/strava/index.ts';
import { createManualClock, type ManualClock } from '../../src/core/clock.ts';

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

export interface StravaSimSetup extends Omit<StravaSimulatorOptions, 'clock'> {
  /** Where the manual clock stands at the start of every test. Default NOW. */
  now?: string;
  /** Serves the simulator under this prefix, the way the lead composes simulators (`/strava`). */
  prefix?: string;
}

export interface StravaSimEnv {
  sim: StravaSimulator;
  clock: ManualClock;
  /** The first athlete the setup generates (the same id after every reset). */
  readonly athleteId: number;
  /** The server's origin, without the prefix. */
  readonly origin: string;
  /** Where the simulator answers: the origin and the prefix. */
  readonly url: string;
}

/**
 * The lifecycle every Strava simulator test file shares: one simulator on a manual clock, made
 * when the file is collected (so `sim`, `clock` and `athleteId` can be destructured) and served
 * over real HTTP on a free port for the file; before each test the clock back at `now` and the
 * simulator reset (its world regenerated at that time). Read `origin` and `url` inside tests.
 */
export function serveStravaSim({
  now = NOW,
  prefix,
  ...options
}: StravaSimSetup = {}): StravaSimEnv {
  const clock = createManualClock(now);
  const sim = createStravaSimulator({ ...options, clock });
  let server: TestServer | undefined;
  const served = (): TestServer => {
    if (!server) throw new Error('the Strava simulator is served in beforeAll');
    return server;
  };
  beforeAll(async () => {
    server = await startServer(prefix ? new Hono().route(prefix, sim.app) : sim.app);
  });
  afterAll(async () => {
    await sim.close();
    await server?.close();
  });
  beforeEach(() => {
    clock.set(now);
    sim.reset();
  });
  return {
    sim,
    clock,
    get athleteId() {
      const [first] = sim.athletes.keys();
      if (first === undefined) throw new Error('the setup generates no athletes');
      return first;
    },
    get origin() {
      return served().url;
    },
    get url() {
      return `${served().url}${prefix ?? ''}`;
    },
  };
}
