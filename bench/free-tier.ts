/**
 * The providers' own free-tier limits (their published terms, not stridesync's caps, which
 * sit at or below them; see src/budget/provider-limits.ts), and the earliest time a list of
 * calls can be made under them.
 *
 * - OpenWeatherMap One Call 3.0 ("One Call by Call"): 1,000 calls per UTC day free; every
 *   endpoint of a key, geocoding included, shares 60 calls per minute.
 * - Open-Meteo (free, non-commercial): 600 calls per minute, 5,000 per hour, 10,000 per day,
 *   counted in weighted calls (a call of more than 14 days or 10 variables counts more).
 * - Nominatim (the OSMF public server): at most 1 request per second.
 */
export interface LimitLine {
  /** Calls sharing a name share the line (OpenWeatherMap's minute is per key). */
  name: string;
  windowMs: number;
  limit: number;
}

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

const owmMinute: LimitLine = { name: 'openweathermap minute', windowMs: MINUTE_MS, limit: 60 };

export const FREE_TIER = {
  oneCall: [owmMinute, { name: 'one call day', windowMs: DAY_MS, limit: 1000 }],
  owmGeocoding: [owmMinute],
  openMeteo: [
    { name: 'open-meteo minute', windowMs: MINUTE_MS, limit: 600 },
    { name: 'open-meteo hour', windowMs: HOUR_MS, limit: 5000 },
    { name: 'open-meteo day', windowMs: DAY_MS, limit: 10_000 },
  ],
  nominatim: [{ name: 'nominatim second', windowMs: SECOND_MS, limit: 1 }],
} satisfies Record<string, LimitLine[]>;

export interface CallBatch {
  calls: number;
  /** Quota units each call spends (Open-Meteo's mean weight; 1 elsewhere). */
  weight: number;
  lines: readonly LimitLine[];
}

/**
 * When the last call can be sent, starting at the beginning of a UTC day with every window
 * empty, the batches one after the other, each call as soon as every line it spends has room
 * in its current (calendar-aligned) window. Response times are not counted: this is the time
 * the limits alone impose.
 */
export function earliestFinishMs(batches: readonly CallBatch[]): number {
  const used = new Map<string, number>();
  const usedKey = (line: LimitLine, t: number) => `${line.name}@${Math.floor(t / line.windowMs)}`;
  let t = 0;
  for (const batch of batches) {
    const tooHeavy = batch.lines.find((line) => batch.weight > line.limit);
    if (tooHeavy) throw new Error(`a call of weight ${batch.weight} never fits ${tooHeavy.name}`);
    for (let call = 0; call < batch.calls; call++) {
      for (;;) {
        const full = batch.lines.find(
          (line) => (used.get(usedKey(line, t)) ?? 0) + batch.weight > line.limit,
        );
        if (!full) break;
        t = (Math.floor(t / full.windowMs) + 1) * full.windowMs;
      }
      for (const line of batch.lines) {
        used.set(usedKey(line, t), (used.get(usedKey(line, t)) ?? 0) + batch.weight);
      }
    }
  }
  return t;
}
