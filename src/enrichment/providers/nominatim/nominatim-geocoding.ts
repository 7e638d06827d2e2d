import { z } from 'zod';
import type { ApiLedger } from '../../../budget/api-ledger.ts';
import {
  budgetLines,
  budgetOf,
  LEDGER_PROVIDER,
  PROVIDER_BUDGETS,
  type ProviderLimits,
} from '../../../budget/provider-limits.ts';
import { createRequestPacer } from '../../../budget/request-pacer.ts';
import type { Clock } from '../../../core/clock.ts';
import { createResilientFetch, type ResilientFetchOptions } from '../../../net/resilient-fetch.ts';
import {
  type PlaceOutcome,
  type PlaceProvider,
  resolveEachCell,
} from '../../geocoding/place-provider.ts';
import { type Cell, cellCentre, cellKey, PLACE_CELLS_PER_DEGREE } from '../../grid-cell.ts';
import {
  callFailed,
  type PassBounds,
  passStopped,
  rateLimitedUntil,
  readJsonBody,
  retryAfter,
  SHORT_WAIT_MS,
  type WindowWaits,
} from '../../provider-calls.ts';
import { classifyNominatimFailure } from './nominatim-failures.ts';

/**
 * A Nominatim-compatible reverse geocoder (`/reverse?format=jsonv2`), used when there is no
 * OpenWeatherMap key. The OSMF public server's policy, kept: an identifying User-Agent (a
 * stock library agent is refused with 403), at most one request per second (one pace shared
 * by every job and process, see request-pacer.ts), and results cached (place_cache) so a place
 * is asked once. "Unable to geocode" (200) means nothing is near: a final answer (`none`).
 * A 429 is a refusal of the per-second rate: the pace is held for a few seconds, not the
 * minute, and the call is tried again.
 */
export interface NominatimPlacesOptions {
  baseUrl: string;
  /** Identifies the application, e.g. `stridesync/0.1 (+https://runs.example.com)`. */
  userAgent: string;
  ledger: ApiLedger;
  clock: Clock;
  limits: ProviderLimits['nominatim'];
  waits: WindowWaits;
  /**
   * The policy's one request per second (plus a margin, so jitter between processes never
   * lands two requests inside one second), unless a self-hosted instance allows more.
   */
  minIntervalMs?: number;
  http?: Partial<Omit<ResilientFetchOptions, 'service' | 'clock'>>;
}

const SERVICE = 'Nominatim';
const POLICY_INTERVAL_MS = 1050;
/** How long a 429 without Retry-After holds the pace: a few of the policy's seconds. */
const REFUSAL_PAUSE_MS = SHORT_WAIT_MS;

const reverseSchema = z.union([
  z.looseObject({ error: z.string() }),
  z.looseObject({
    address: z
      .looseObject({
        city: z.string().optional(),
        town: z.string().optional(),
        village: z.string().optional(),
        municipality: z.string().optional(),
        hamlet: z.string().optional(),
        state: z.string().optional(),
        country: z.string().optional(),
        country_code: z.string().optional(),
      })
      .optional(),
  }),
]);

export function createNominatimPlaces(o: NominatimPlacesOptions): PlaceProvider {
  const send = createResilientFetch({
    service: SERVICE,
    api: LEDGER_PROVIDER.nominatim,
    clock: o.clock,
    ...o.http,
  });
  const budget = budgetOf(PROVIDER_BUDGETS.nominatim, o.limits);
  const pacer = createRequestPacer({
    ledger: o.ledger,
    provider: LEDGER_PROVIDER.nominatim,
    intervalMs: o.minIntervalMs ?? POLICY_INTERVAL_MS,
    clock: o.clock,
    sleep: o.waits.sleep,
    fromAnswers: true,
  });
  let calls = 0;

  async function refused(response: Response) {
    const now = o.clock.now();
    const asked = retryAfter(response, now);
    const resumeAt = asked ?? new Date(now + REFUSAL_PAUSE_MS);
    await pacer.refused(resumeAt.getTime());
    const detail = asked
      ? 'nominatim 429 with Retry-After'
      : 'nominatim 429 (pace held until then)';
    return rateLimitedUntil(resumeAt, SERVICE, detail);
  }

  async function resolveCell(cell: Cell, bounds: PassBounds): Promise<[string, PlaceOutcome][]> {
    const { lat, lng } = cellCentre(cell, PLACE_CELLS_PER_DEGREE);
    const url = new URL(`${o.baseUrl}/reverse`);
    url.search = new URLSearchParams({
      format: 'jsonv2',
      lat: lat.toFixed(2),
      lon: lng.toFixed(2),
      zoom: '10', // city level: the run's city, not its street
      addressdetails: '1',
      'accept-language': 'en',
    }).toString();
    const response = await send(
      url.toString(),
      { headers: { accept: 'application/json', 'user-agent': o.userAgent } },
      {
        beforeAttempt: async () => {
          await o.ledger.reserve(LEDGER_PROVIDER.nominatim, budgetLines(budget));
          await pacer.wait(bounds);
          // The spacing is cut short when the run stops; the call is not sent then.
          if (bounds.signal?.aborted) throw passStopped();
          calls += 1;
        },
      },
    ).finally(() => pacer.answered());
    if (!response.ok) {
      await response.body?.cancel();
      const failure = classifyNominatimFailure(response.status, url.host);
      throw failure.action === 'rate_limited' ? await refused(response) : failure.error;
    }
    const body = await readJsonBody(response);
    const parsed = reverseSchema.safeParse(body);
    if (!parsed.success) throw callFailed(SERVICE, 'unexpected reverse body');
    if ('error' in parsed.data)
      return [[cellKey(cell), { kind: 'none', provider: 'nominatim', raw: body }]];
    const address = parsed.data.address ?? {};
    const place = {
      provider: 'nominatim' as const,
      city:
        address.city ??
        address.town ??
        address.village ??
        address.municipality ??
        address.hamlet ??
        null,
      state: address.state ?? null,
      country: address.country ?? null,
      countryCode: address.country_code?.toUpperCase() ?? null,
    };
    return [[cellKey(cell), { kind: 'found', place, raw: body }]];
  }

  return {
    name: 'nominatim',
    cached: true,
    async resolve(cells, bounds) {
      const before = calls;
      const batch = await resolveEachCell(cells, resolveCell, o.waits, bounds);
      return { ...batch, calls: calls - before };
    },
  };
}
