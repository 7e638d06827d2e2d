import type { ApiLedger } from '../../../budget/api-ledger.ts';
import {
  type BudgetPair,
  budgetLines,
  LEDGER_PROVIDER,
  type ProviderLimits,
} from '../../../budget/provider-limits.ts';
import { createRequestPacer, paceOf } from '../../../budget/request-pacer.ts';
import type { Clock } from '../../../core/clock.ts';
import { createResilientFetch, type ResilientFetchOptions } from '../../../net/resilient-fetch.ts';
import {
  type PassBounds,
  passStopped,
  readJsonBody,
  type WindowWaits,
} from '../../provider-calls.ts';

/** What both OpenWeatherMap clients (One Call weather, reverse geocoding) are built from. */
export interface OpenWeatherMapOptions {
  apiUrl: string;
  apiKey: string;
  ledger: ApiLedger;
  clock: Clock;
  limits: ProviderLimits['openWeatherMap'];
  waits: WindowWaits;
  http?: Partial<Omit<ResilientFetchOptions, 'service' | 'clock'>>;
}

/**
 * GETs on OpenWeatherMap with the key, where every attempt (retries included) first reserves a
 * call on `budget`'s lines in the shared ledger, so no process sends a call the budget has no
 * room for, then takes the key's next slot of the pace every process shares (60 a minute is
 * one a second), so the minute's calls are spread over it rather than spent at once and then
 * waited out. `calls` counts the attempts sent.
 */
export function createOwmRequester(o: OpenWeatherMapOptions, service: string, budget: BudgetPair) {
  const send = createResilientFetch({
    service,
    api: LEDGER_PROVIDER.openWeatherMap,
    clock: o.clock,
    ...o.http,
  });
  const lines = budgetLines(budget);
  const pacer = createRequestPacer({
    ledger: o.ledger,
    provider: LEDGER_PROVIDER.openWeatherMap,
    intervalMs: paceOf(o.limits.perMinute),
    clock: o.clock,
    sleep: o.waits.sleep,
  });
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    async get(path: string, params: Record<string, string>, bounds: PassBounds = {}) {
      const url = new URL(`${o.apiUrl}${path}`);
      url.search = new URLSearchParams({ ...params, appid: o.apiKey }).toString();
      const response = await send(
        url.toString(),
        { headers: { accept: 'application/json' } },
        {
          beforeAttempt: async () => {
            await o.ledger.reserve(LEDGER_PROVIDER.openWeatherMap, lines);
            await pacer.wait(bounds);
            // The spacing is cut short when the run stops; the call is not sent then.
            if (bounds.signal?.aborted) throw passStopped();
            calls += 1;
          },
        },
      );
      return { response, body: await readJsonBody(response) };
    },
  };
}
