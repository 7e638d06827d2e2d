import type { PassFigures } from './enrich-history.ts';
import { type CallBatch, FREE_TIER } from './free-tier.ts';
import type { PairFigures } from './provider-scenario.ts';

/** One provider of a measured pair, as the report's rows see it. */
export interface ProviderRow {
  name: string;
  pair: PairFigures;
  half: 'weather' | 'places';
  /** Requests its simulator received during a pass (or the pass's catch-up). */
  calls(pass: PassFigures, part?: 'catchUp'): number;
  /** The pass's calls under the provider's free-tier lines. */
  batch(pass: PassFigures): CallBatch;
  /** Quota units free per UTC day, where the free tier has a daily cap. */
  dailyFreeUnits?: number;
  weighted: boolean;
}

export function providerRows(pair: PairFigures): [ProviderRow, ProviderRow] {
  return [weatherRow(pair), placeRow(pair)];
}

function weatherRow(pair: PairFigures): ProviderRow {
  if (pair.pair.weather === 'openweathermap') {
    return {
      name: 'OpenWeatherMap One Call 3.0',
      pair,
      half: 'weather',
      calls: (pass, part) => callsOf(pass, part).oneCall,
      batch: (pass) => ({ calls: pass.calls.oneCall, weight: 1, lines: FREE_TIER.oneCall }),
      dailyFreeUnits: 1000,
      weighted: false,
    };
  }
  return {
    name: 'Open-Meteo archive',
    pair,
    half: 'weather',
    calls: (pass, part) => callsOf(pass, part).openMeteo,
    // Each call at the pass's mean weight, as Open-Meteo counted them (exact, not rounded up).
    batch: (pass) => ({
      calls: pass.calls.openMeteo,
      weight: pass.calls.openMeteo === 0 ? 1 : pass.openMeteoUnits / pass.calls.openMeteo,
      lines: FREE_TIER.openMeteo,
    }),
    dailyFreeUnits: 10_000,
    weighted: true,
  };
}

function placeRow(pair: PairFigures): ProviderRow {
  if (pair.pair.places === 'openweathermap') {
    return {
      name: 'OpenWeatherMap geocoding',
      pair,
      half: 'places',
      calls: (pass, part) => callsOf(pass, part).owmGeocoding,
      batch: (pass) => ({
        calls: pass.calls.owmGeocoding,
        weight: 1,
        lines: FREE_TIER.owmGeocoding,
      }),
      weighted: false,
    };
  }
  return {
    name: 'Nominatim',
    pair,
    half: 'places',
    calls: (pass, part) => callsOf(pass, part).nominatim,
    batch: (pass) => ({ calls: pass.calls.nominatim, weight: 1, lines: FREE_TIER.nominatim }),
    weighted: false,
  };
}

function callsOf(pass: PassFigures, part?: 'catchUp') {
  return part === 'catchUp' ? pass.catchUpCalls : pass.calls;
}
