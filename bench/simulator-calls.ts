import type { Simulators } from '../sim/index.ts';

/**
 * What the weather and place simulators actually received (their `inspect()`), by endpoint:
 * every request counts, whatever its answer. `refused` is how many of them were answered 429,
 * which stridesync's own budgets should keep at zero.
 */
export interface SimulatorCalls {
  oneCall: number;
  owmGeocoding: number;
  openMeteo: number;
  nominatim: number;
  refused: number;
}

type ByEndpoint = Record<string, Record<string, number>>;

export function simulatorCalls(sims: Simulators): SimulatorCalls {
  const owm = sims.openWeatherMap.inspect().requests.byEndpoint;
  const openMeteo = sims.openMeteo.inspect().requests.byEndpoint;
  const nominatim = sims.nominatim.inspect().requests.byEndpoint;
  return {
    oneCall: answered(owm, 'onecall/timemachine'),
    owmGeocoding: answered(owm, 'geo/reverse'),
    openMeteo: answered(openMeteo, 'archive'),
    nominatim: answered(nominatim, 'reverse'),
    refused: [owm, openMeteo, nominatim].reduce((sum, log) => sum + withStatus(log, '429'), 0),
  };
}

export const NO_CALLS: SimulatorCalls = {
  oneCall: 0,
  owmGeocoding: 0,
  openMeteo: 0,
  nominatim: 0,
  refused: 0,
};

export function callsBetween(before: SimulatorCalls, after: SimulatorCalls): SimulatorCalls {
  return combine(after, before, -1);
}

export function addCalls(a: SimulatorCalls, b: SimulatorCalls): SimulatorCalls {
  return combine(a, b, 1);
}

function combine(a: SimulatorCalls, b: SimulatorCalls, sign: 1 | -1): SimulatorCalls {
  return {
    oneCall: a.oneCall + sign * b.oneCall,
    owmGeocoding: a.owmGeocoding + sign * b.owmGeocoding,
    openMeteo: a.openMeteo + sign * b.openMeteo,
    nominatim: a.nominatim + sign * b.nominatim,
    refused: a.refused + sign * b.refused,
  };
}

/** Open-Meteo's weighted calls spent in the simulator's current UTC day. */
export function openMeteoUnitsToday(sims: Simulators): number {
  return sims.openMeteo.inspect().usage.day;
}

function answered(log: ByEndpoint, endpoint: string): number {
  return Object.values(log[endpoint] ?? {}).reduce((sum, n) => sum + n, 0);
}

function withStatus(log: ByEndpoint, status: string): number {
  return Object.values(log).reduce((sum, byStatus) => sum + (byStatus[status] ?? 0), 0);
}
