/**
 * Rate-limit windows as the APIs define them: Strava's short window resets on the quarter hour
 * (:00, :15, :30, :45) and its long window at midnight UTC; weather providers count per UTC day
 * and, for OpenWeatherMap, per minute. Windows are fixed, not sliding, so two processes computing
 * a window for the same instant agree on it without talking to each other.
 */
export type RateWindow = 'minute' | '15min' | 'daily';

const MINUTE_MS = 60_000;
const QUARTER_HOUR_MS = 15 * MINUTE_MS;
const DAY_MS = 24 * 60 * MINUTE_MS;

const WINDOW_MS: Record<RateWindow, number> = {
  minute: MINUTE_MS,
  '15min': QUARTER_HOUR_MS,
  daily: DAY_MS,
};

export interface WindowSpan {
  start: Date;
  end: Date;
}

/** The window containing `atMs`. Epoch time has no leap seconds, so UTC boundaries divide evenly. */
export function windowAt(window: RateWindow, atMs: number): WindowSpan {
  const size = WINDOW_MS[window];
  const start = Math.floor(atMs / size) * size;
  return { start: new Date(start), end: new Date(start + size) };
}

/** A budget line: at most `limit` units per `window`. */
export interface BudgetLine {
  /** e.g. `overall:15min`; unique within a provider. */
  bucket: string;
  window: RateWindow;
  limit: number;
}

/** Strava's documented defaults per application; responses' headers correct them. */
export const STRAVA_DEFAULT_LIMITS = {
  overall15min: 200,
  overallDaily: 2000,
  read15min: 100,
  readDaily: 1000,
} as const;

/**
 * The lines a Strava call spends: every call counts against the overall limits, a GET also
 * against the read limits.
 */
export function stravaBudgetLines(
  method: string,
  limits: {
    overall15min: number;
    overallDaily: number;
    read15min: number;
    readDaily: number;
  } = STRAVA_DEFAULT_LIMITS,
): BudgetLine[] {
  const lines: BudgetLine[] = [
    { bucket: 'overall:15min', window: '15min', limit: limits.overall15min },
    { bucket: 'overall:daily', window: 'daily', limit: limits.overallDaily },
  ];
  if (method.toUpperCase() === 'GET') {
    lines.push(
      { bucket: 'read:15min', window: '15min', limit: limits.read15min },
      { bucket: 'read:daily', window: 'daily', limit: limits.readDaily },
    );
  }
  return lines;
}

/** One observation of usage, as a response's headers report it. */
export interface ObservedUsage {
  bucket: string;
  window: RateWindow;
  limit: number;
  used: number;
}

/**
 * Reads Strava's headers (`X-Ratelimit-Limit: 200,2000`, `X-Ratelimit-Usage: 26,362`, and the
 * `X-Readratelimit-*` pair). Names are matched case-insensitively (`Headers` does that); a pair
 * that is missing or malformed is skipped rather than guessed.
 */
export function parseStravaUsageHeaders(headers: Headers): ObservedUsage[] {
  const observed: ObservedUsage[] = [];
  for (const [prefix, scope] of [
    ['x-ratelimit', 'overall'],
    ['x-readratelimit', 'read'],
  ] as const) {
    const limit = parsePair(headers.get(`${prefix}-limit`));
    const usage = parsePair(headers.get(`${prefix}-usage`));
    if (!limit || !usage) continue;
    observed.push(
      { bucket: `${scope}:15min`, window: '15min', limit: limit[0], used: usage[0] },
      { bucket: `${scope}:daily`, window: 'daily', limit: limit[1], used: usage[1] },
    );
  }
  return observed;
}

function parsePair(value: string | null): [number, number] | undefined {
  const match = value ? /^\s*(\d+)\s*,\s*(\d+)\s*$/.exec(value) : null;
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}
