import { budgetOf, LEDGER_PROVIDER, PROVIDER_BUDGETS } from '../../../budget/provider-limits.ts';
import type { RateLimitedError } from '../../../core/errors.ts';
import {
  cellCentre,
  HOUR_MS,
  WEATHER_CELLS_PER_DEGREE,
  type WeatherSlot,
  weatherSlotKey,
} from '../../grid-cell.ts';
import {
  callFailed,
  distinctBy,
  type PassBounds,
  runBatch,
  spendWindow,
} from '../../provider-calls.ts';
import { judgeObservation } from '../../weather/plausibility.ts';
import type { SlotOutcome, WeatherProvider } from '../../weather/weather-provider.ts';
import { classifyOwmFailure } from './openweathermap-failures.ts';
import { owmObservation } from './openweathermap-observation.ts';
import { createOwmRequester, type OpenWeatherMapOptions } from './openweathermap-request.ts';

/**
 * OpenWeatherMap One Call 3.0 `timemachine`: one call per distinct 0.1° cell and UTC hour, asked
 * at the cell's centre and the hour's middle (so wherever OWM snaps within its hourly history,
 * the answer is within half an hour of every midpoint in the slot). `units=metric` always:
 * OWM's default is Kelvin, and it silently ignores a unit it does not know.
 *
 * Budget: each attempt first reserves one call on the One Call daily line and the key's
 * per-minute line in the shared ledger. A 429 ("account temporary blocked") does not say
 * which limit it is: the first is taken as the minute (deferred to its end), a second within
 * two minutes as the daily cap, which parks the provider until midnight UTC.
 */
export interface OpenWeatherMapWeatherOptions extends OpenWeatherMapOptions {
  /**
   * How long after an hour ends OWM's history is trusted to hold it. Before that the run waits:
   * timemachine happily answers for recent and even future instants with nowcast or forecast
   * data, which must never be stored as what happened.
   */
  settleMs?: number;
}

const SERVICE = 'OpenWeatherMap';
const TIMEMACHINE_PATH = '/data/3.0/onecall/timemachine';
const DEFAULT_SETTLE_MS = HOUR_MS;
const REPEATED_429_MS = 2 * 60_000;

export function createOpenWeatherMapWeather(o: OpenWeatherMapWeatherOptions): WeatherProvider {
  const budget = budgetOf(PROVIDER_BUDGETS.oneCall, o.limits);
  const owm = createOwmRequester(o, SERVICE, budget);
  const settleMs = o.settleMs ?? DEFAULT_SETTLE_MS;
  let last429At: number | undefined;

  async function refused(): Promise<RateLimitedError> {
    const now = o.clock.now();
    const repeated = last429At !== undefined && now - last429At < REPEATED_429_MS;
    last429At = now;
    const line = repeated ? budget.daily : budget.minute;
    return spendWindow(o.ledger, LEDGER_PROVIDER.openWeatherMap, line, o.clock, SERVICE);
  }

  async function observeSlot(
    slot: WeatherSlot,
    bounds: PassBounds,
  ): Promise<[string, SlotOutcome][]> {
    const { lat, lng } = cellCentre(slot, WEATHER_CELLS_PER_DEGREE);
    const requestedMs = slot.hourMs + HOUR_MS / 2;
    const { response, body } = await owm.get(
      TIMEMACHINE_PATH,
      {
        lat: lat.toFixed(1),
        lon: lng.toFixed(1),
        dt: String(requestedMs / 1000),
        units: 'metric',
      },
      bounds,
    );
    if (!response.ok) {
      const failure = classifyOwmFailure(response.status, body);
      throw failure.action === 'rate_limited' ? await refused() : failure.error;
    }
    last429At = undefined;
    const observation = owmObservation(body, requestedMs);
    if (typeof observation === 'string') throw callFailed(SERVICE, observation);
    return [[weatherSlotKey(slot), judgeObservation(observation)]];
  }

  return {
    name: 'openweathermap',
    availableAt: (hourMs) => hourMs + HOUR_MS + settleMs,
    async observe(slots, bounds) {
      const before = owm.calls;
      const { outcomes, halted } = await runBatch<WeatherSlot, SlotOutcome>(
        distinctBy(slots, weatherSlotKey),
        (slot) => observeSlot(slot, bounds ?? {}),
        (slot, reason) => [[weatherSlotKey(slot), { kind: 'failed', reason }]],
        o.waits,
        bounds,
      );
      return { outcomes, calls: owm.calls - before, ...(halted ? { halted } : {}) };
    },
  };
}
