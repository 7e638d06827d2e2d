import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createSimulators, type Simulators, type SimulatorUrls } from '../sim/index.ts';
import type { AddAthleteOptions } from '../sim/strava/index.ts';
import { createManualClock, type ManualClock } from '../src/core/clock.ts';

/**
 * The four simulators (sim/index.ts) over real HTTP on one loopback port, on one manual clock.
 * Only two things move the clock: the clients' own waits (`sleep`: a spent minute window,
 * Nominatim's one request per second, backoff) and the bench's explicit jumps (to a spent daily
 * cap's reset, to the day the archive holds the newest runs). So rate windows pass in no wall
 * time, and what the clients' waits add to the clock is what they would wait for real.
 */
export interface BenchWorld {
  clock: ManualClock;
  sims: Simulators;
  urls: SimulatorUrls;
  /** Moves the manual clock instead of waiting. */
  sleep(ms: number): Promise<void>;
  close(): Promise<void>;
}

export async function startBenchWorld(
  startAt: string,
  athletes: AddAthleteOptions[],
  clock: ManualClock = createManualClock(startAt),
): Promise<BenchWorld> {
  const sims = createSimulators({ clock, athletes });
  const { server, base } = await listen(sims.app.fetch);
  return {
    clock,
    sims,
    urls: sims.urls(base),
    // Sleeps that overlap (calls in flight at once) overlap on the clock too.
    sleep: async (ms) => {
      const end = clock.now() + ms;
      if (end > clock.now()) clock.set(end);
    },
    async close() {
      await sims.close();
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

function listen(fetch: Simulators['app']['fetch']): Promise<{ server: Server; base: string }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
      resolve({ server, base: `http://127.0.0.1:${(info as AddressInfo).port}` }),
    ) as Server;
    server.once('error', reject);
  });
}
