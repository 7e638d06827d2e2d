import type { ApiLedger } from '../src/budget/api-ledger.ts';

/**
 * The real ledger, plus a tally of what was reserved through it per provider: the quota units
 * stridesync itself counted (Open-Meteo's weights rounded up, as the ledger reserves them).
 */
export interface CountingLedger extends ApiLedger {
  reserved(provider: string): number;
}

export function countingLedger(ledger: ApiLedger): CountingLedger {
  const tally = new Map<string, number>();
  return {
    ...ledger,
    async reserve(provider, lines, cost = 1) {
      await ledger.reserve(provider, lines, cost);
      tally.set(provider, (tally.get(provider) ?? 0) + cost);
    },
    reserved: (provider) => tally.get(provider) ?? 0,
  };
}
