import type { ApiLedger } from '../../../budget/api-ledger.ts';
import {
  budgetLines,
  budgetOf,
  LEDGER_PROVIDER,
  PROVIDER_BUDGETS,
  type ProviderLimits,
} from '../../../budget/provider-limits.ts';
import type { Clock } from '../../../core/clock.ts';
import type { RateLimitedError } from '../../../core/errors.ts';
import { createResilientFetch, type ResilientFetchOptions } from '../../../net/resilient-fetch.ts';
import {
  type Cell,
  cellCentre,
  cellKey,
  DAY_MS,
  HOUR_MS,
  utcDay,
  WEATHER_CELLS_PER_DEGREE,
  type WeatherSlot,
  weatherSlotKey,
} from '../../grid-cell.ts';
import {
  callFailed,
  type PassBounds,
  passStopped,
  rateLimitedUntil,
  readJsonBody,
  runBatch,
  spendWindow,
  type WindowWaits,
} from '../../provider-calls.ts';
import { judgeObservation } from '../../weather/plausibility.ts';
import type { SlotOutcome, WeatherProvider } from '../../weather/weather-provider.ts';
import {
  archiveCallWeight,
  type ChunkPolicy,
  type DayRange,
  DEFAULT_CHUNK_POLICY,
  planArchiveChunks,
} from './archive-chunks.ts';
import {
  ARCHIVE_HOURLY_VARIABLES,
  archiveSearchParams,
  parseArchiveBody,
} from './open-meteo-archive.ts';
import { classifyOpenMeteoFailure, type OpenMeteoWindow } from './open-meteo-failures.ts';

/**
 * The Open-Meteo historical archive (no key): one call per 0.1° cell and date range serves
 * every slot of that cell in the range (see archive-chunks.ts), so a runner's whole history
 * at home costs a handful of calls. Each call reserves its weight on the ledger first.
 */
export interface OpenMeteoWeatherOptions {
  archiveUrl: string;
  /** The commercial plan's key, sent as `apikey` (its customer-archive-api host). */
  apiKey?: string;
  ledger: ApiLedger;
  clock: Clock;
  limits: ProviderLimits['openMeteo'];
  waits: WindowWaits;
  http?: Partial<Omit<ResilientFetchOptions, 'service' | 'clock'>>;
  /**
   * Days the archive trails today: day D is there once today (UTC) ≥ D + this. Open-Meteo
   * documents "a 5-day delay" for its ERA5 archive.
   */
  archiveDelayDays?: number;
  chunkPolicy?: ChunkPolicy;
}

interface ArchiveCall {
  cell: Cell;
  range: DayRange;
  slots: WeatherSlot[];
}

const SERVICE = 'Open-Meteo';
/** Calls in flight at once: few enough to be polite, enough that one slow answer holds nothing back. */
export const CONCURRENT_CALLS = 4;
export const DEFAULT_ARCHIVE_DELAY_DAYS = 5;
/** A null row this recent is reanalysis not done yet (wait); older, the archive lacks it. */
const MISSING_MEANS_NOT_YET_MS = 14 * DAY_MS;

export function createOpenMeteoWeather(o: OpenMeteoWeatherOptions): WeatherProvider {
  const send = createResilientFetch({
    service: SERVICE,
    api: LEDGER_PROVIDER.openMeteo,
    clock: o.clock,
    ...o.http,
  });
  const budget = budgetOf(PROVIDER_BUDGETS.openMeteo, o.limits);
  const delayDays = o.archiveDelayDays ?? DEFAULT_ARCHIVE_DELAY_DAYS;
  let calls = 0;

  /** Open-Meteo's 429 names the window it counts: what each one means until it resets. */
  const refusals: Record<OpenMeteoWindow, () => Promise<RateLimitedError>> = {
    minute: () => spendWindow(o.ledger, LEDGER_PROVIDER.openMeteo, budget.minute, o.clock, SERVICE),
    // The ledger has no hour window; the next hour is when Open-Meteo lets us in again.
    hour: async () =>
      rateLimitedUntil(
        new Date((Math.floor(o.clock.now() / HOUR_MS) + 1) * HOUR_MS),
        SERVICE,
        'open-meteo 429 (hourly limit)',
      ),
    daily: () => spendWindow(o.ledger, LEDGER_PROVIDER.openMeteo, budget.daily, o.clock, SERVICE),
  };

  async function fetchRange(
    call: ArchiveCall,
    bounds: PassBounds,
  ): Promise<[string, SlotOutcome][]> {
    const centre = cellCentre(call.cell, WEATHER_CELLS_PER_DEGREE);
    const params = archiveSearchParams(centre.lat, centre.lng, call.range);
    if (o.apiKey) params.set('apikey', o.apiKey);
    const url = `${o.archiveUrl}?${params}`;
    const weight = Math.ceil(archiveCallWeight(call.range, ARCHIVE_HOURLY_VARIABLES.length));
    const response = await send(
      url,
      { headers: { accept: 'application/json' } },
      {
        beforeAttempt: async () => {
          // No spacing: the ledger's minute line holds every process to 600 weighted calls a
          // calendar minute, as Open-Meteo counts them, so a history that fits in a minute's
          // allowance goes at the answers' pace; a spent minute stops the pass (a deferral).
          // Measured: the demo's 96 calls took 13 s of spacing at 100 ms a unit
          // (docs/benchmarks.md, From pressing Sync).
          await o.ledger.reserve(LEDGER_PROVIDER.openMeteo, budgetLines(budget), weight);
          if (bounds.signal?.aborted) throw passStopped();
          calls += 1;
        },
      },
    );
    const body = await readJsonBody(response);
    if (!response.ok) {
      const failure = classifyOpenMeteoFailure(response.status, body);
      switch (failure.action) {
        case 'archive_ends':
          return archiveEndsEarlier(call, failure.lastDay, bounds);
        case 'rate_limited':
          throw await refusals[failure.window]();
        case 'throw':
          throw failure.error;
      }
    }
    const rows = parseArchiveBody(body);
    if (typeof rows === 'string') throw callFailed(SERVICE, rows);
    return call.slots.map((slot) => {
      const row = rows.get(slot.hourMs);
      if (row === undefined) {
        return [
          weatherSlotKey(slot),
          {
            kind: 'failed',
            reason: `Open-Meteo sent no row for ${new Date(slot.hourMs).toISOString()}`,
          },
        ];
      }
      if (row === 'missing') return [weatherSlotKey(slot), missing(slot)];
      return [weatherSlotKey(slot), judgeObservation(row)];
    });
  }

  function missing(slot: WeatherSlot): SlotOutcome {
    const now = o.clock.now();
    if (now - slot.hourMs < MISSING_MEANS_NOT_YET_MS) {
      return { kind: 'not_yet', retryAt: new Date(now + DAY_MS) };
    }
    return { kind: 'failed', reason: 'Open-Meteo has no data for this hour' };
  }

  /**
   * The archive ends before some of these days: those wait until it reaches them (it grows a
   * day a day); the rest is asked again within the range it has. Only ever narrows, so it ends.
   */
  async function archiveEndsEarlier(
    call: ArchiveCall,
    lastDay: number,
    bounds: PassBounds,
  ): Promise<[string, SlotOutcome][]> {
    const now = o.clock.now();
    const inArchive = call.slots.filter((slot) => utcDay(slot.hourMs) <= lastDay);
    const waiting: [string, SlotOutcome][] = call.slots
      .filter((slot) => utcDay(slot.hourMs) > lastDay)
      .map((slot) => [
        weatherSlotKey(slot),
        { kind: 'not_yet', retryAt: new Date(now + (utcDay(slot.hourMs) - lastDay) * DAY_MS) },
      ]);
    if (inArchive.length === 0 || lastDay >= call.range.endDay) return waiting;
    const narrowed = { ...call, slots: inArchive, range: { ...call.range, endDay: lastDay } };
    return [...waiting, ...(await fetchRange(narrowed, bounds))];
  }

  return {
    name: 'open-meteo',
    availableAt: (hourMs) => (utcDay(hourMs) + delayDays) * DAY_MS,
    async observe(slots, bounds) {
      const before = calls;
      const { outcomes, halted } = await runBatch<ArchiveCall, SlotOutcome>(
        planCalls(slots, o.chunkPolicy ?? DEFAULT_CHUNK_POLICY),
        (call) => fetchRange(call, bounds ?? {}),
        (call, reason) =>
          call.slots.map((slot) => [weatherSlotKey(slot), { kind: 'failed', reason }]),
        o.waits,
        bounds,
        CONCURRENT_CALLS,
      );
      return { outcomes, calls: calls - before, ...(halted ? { halted } : {}) };
    },
  };
}

/** Slots grouped by cell, each cell's days cut into ranges: one call per cell and range. */
function planCalls(slots: readonly WeatherSlot[], policy: ChunkPolicy): ArchiveCall[] {
  const byCell = new Map<string, { cell: Cell; slots: WeatherSlot[] }>();
  for (const slot of slots) {
    const group = byCell.get(cellKey(slot));
    if (group) group.slots.push(slot);
    else
      byCell.set(cellKey(slot), {
        cell: { latCell: slot.latCell, lngCell: slot.lngCell },
        slots: [slot],
      });
  }
  return [...byCell.values()].flatMap(({ cell, slots: cellSlots }) =>
    planArchiveChunks(
      cellSlots.map((slot) => utcDay(slot.hourMs)),
      policy,
    ).map((range) => ({
      cell,
      range,
      slots: cellSlots.filter((slot) => {
        const day = utcDay(slot.hourMs);
        return day >= range.startDay && day <= range.endDay;
      }),
    })),
  );
}
