import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNominatimSimulator } from '../../sim/geocoding/nominatim.ts';
import { createApiLedger } from '../../src/budget/api-ledger.ts';
import { resolveLimits } from '../../src/budget/provider-limits.ts';
import { createRequestPacer } from '../../src/budget/request-pacer.ts';
import { createManualClock, systemClock } from '../../src/core/clock.ts';
import { stridesyncUserAgent } from '../../src/enrichment/enrichment-services.ts';
import { cellOf, PLACE_CELLS_PER_DEGREE } from '../../src/enrichment/grid-cell.ts';
import { sleepUnlessAborted } from '../../src/enrichment/provider-calls.ts';
import { createNominatimPlaces } from '../../src/enrichment/providers/nominatim/nominatim-geocoding.ts';
import { createPgDatabase } from '../../src/store/pg-database.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';

describe('request pacer: one pace per provider across processes', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('postgres');
  });
  afterAll(() => t.dispose());

  it('spaces callers that wait at the same time, whichever process they are in', async () => {
    const clock = createManualClock('2026-03-01T10:00:00Z');
    const other = createPgDatabase(t.url ?? '', { max: 2 });
    try {
      const pacers = [t.db, other, t.db].map((db) =>
        createRequestPacer({
          ledger: createApiLedger(db, clock),
          provider: 'p-spaced',
          intervalMs: 1000,
          clock,
          // The manual clock stays put: every waiter asks at the same instant.
          sleep: async () => {},
        }),
      );
      await Promise.all(pacers.map((pacer) => pacer.wait()));
      // Three waits took the first three slots; the next two go to whoever asks next.
      const slots = await Promise.all(
        [t.db, other].map((db) => createApiLedger(db, clock).takeSlot('p-spaced', 1000)),
      );
      const t0 = Date.parse('2026-03-01T10:00:00Z');
      expect(slots.sort()).toEqual([t0 + 3000, t0 + 4000]);
    } finally {
      await other.close();
    }
  });

  it('counts the gap from the answer of a slow request, so two never arrive closer than it', async () => {
    const clock = createManualClock('2026-03-01T11:00:00Z');
    const pacer = createRequestPacer({
      ledger: createApiLedger(t.db, clock),
      provider: 'p-slow',
      intervalMs: 1000,
      clock,
      sleep: async (ms) => clock.advance(ms),
      fromAnswers: true,
    });
    const t0 = clock.now();
    await pacer.wait();
    clock.advance(400); // the first request takes 400 ms to be answered
    await pacer.answered();
    await pacer.wait();
    expect(clock.now()).toBe(t0 + 1400);
  });

  it('two enrichments at once, each with its own connection, get no 429 from a Nominatim enforcing 1/s', async () => {
    const { app, control } = createNominatimSimulator({ clock: systemClock, minIntervalMs: 1000 });
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((resolve) => server.once('listening', resolve));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const other = createPgDatabase(t.url ?? '', { max: 2 });
    try {
      const job = (db: typeof other, starts: readonly [number, number][]) =>
        createNominatimPlaces({
          baseUrl,
          userAgent: stridesyncUserAgent('https://runs.example.test'),
          ledger: createApiLedger(db, systemClock),
          clock: systemClock,
          limits: resolveLimits().nominatim,
          waits: { clock: systemClock, sleep: sleepUnlessAborted },
        }).resolve(starts.map(([lat, lng]) => cellOf(lat, lng, PLACE_CELLS_PER_DEGREE)));
      const [sync, backfill] = await Promise.all([
        job(t.db, [
          [51.52, -0.1],
          [48.86, 2.35],
          [40.71, -74.0],
        ]),
        job(other, [
          [-33.89, 151.19],
          [1.3, 103.85],
          [-34.58, -58.42],
        ]),
      ]);
      expect(sync.halted).toBeUndefined();
      expect(backfill.halted).toBeUndefined();
      expect(sync.calls + backfill.calls).toBe(6);
      const reverse = control.inspect().requests.byEndpoint.reverse;
      expect(reverse).toEqual({ '200': 6 });
    } finally {
      await other.close();
      server.close();
    }
  }, 30_000);
});
