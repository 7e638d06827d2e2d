import { z } from 'zod';
import type { AppError } from '../../../core/errors.ts';
import {
  callFailed,
  type FailureRule,
  firstMatchingRule,
  operatorError,
} from '../../provider-calls.ts';
import { archiveLastDay } from './open-meteo-archive.ts';

/**
 * What a failed Open-Meteo answer means, in one table (first match wins). Its errors are
 * `{"error":true,"reason":"…"}`:
 * - 400 "… out of allowed range from 1940-01-01 to <last day>": the archive lags more than we
 *   assumed; days after <last day> are not there yet (the caller retries the rest and waits);
 * - 429 "Minutely/Hourly/Daily API request limit exceeded": the named window is spent (an
 *   unnamed one is taken as the day, the longest);
 * - 404: the configured address does not serve the archive (operator);
 * - anything else fails the call at hand.
 */
export type OpenMeteoWindow = 'minute' | 'hour' | 'daily';

export type OpenMeteoFailure =
  | { action: 'archive_ends'; lastDay: number }
  | { action: 'rate_limited'; window: OpenMeteoWindow }
  | { action: 'throw'; error: AppError };

interface Answer {
  status: number;
  reason: string;
  /** The archive's last day, when the reason names one. */
  lastDay: number | undefined;
}

type ArchiveEnding = Answer & { lastDay: number };

const errorBodySchema = z.looseObject({ reason: z.string() });

const RULES: readonly FailureRule<Answer, OpenMeteoFailure>[] = [
  {
    matches: (a): a is ArchiveEnding => a.status === 400 && a.lastDay !== undefined,
    build: (a: ArchiveEnding) => ({ action: 'archive_ends', lastDay: a.lastDay }),
  },
  {
    matches: (a) => a.status === 429 && /minutely/i.test(a.reason),
    build: () => ({ action: 'rate_limited', window: 'minute' }),
  },
  {
    matches: (a) => a.status === 429 && /hourly/i.test(a.reason),
    build: () => ({ action: 'rate_limited', window: 'hour' }),
  },
  {
    matches: (a) => a.status === 429,
    build: () => ({ action: 'rate_limited', window: 'daily' }),
  },
  {
    matches: (a) => a.status === 404,
    build: (a) => ({
      action: 'throw',
      error: operatorError(
        'open_meteo_not_found',
        'Open-Meteo answered "not found": the configured address does not serve its archive.',
        'The operator must check OPEN_METEO_ARCHIVE_URL (default https://archive-api.open-meteo.com/v1/archive).',
        `HTTP 404: ${a.reason}`,
      ),
    }),
  },
];

/** Anything else (a 400 for this request, 5xx after retries) fails only the call at hand. */
function otherFailure(a: Answer): OpenMeteoFailure {
  const detail = `HTTP ${a.status}${a.reason ? `: ${a.reason}` : ''}`;
  return { action: 'throw', error: callFailed('Open-Meteo', detail) };
}

export function classifyOpenMeteoFailure(status: number, body: unknown): OpenMeteoFailure {
  const parsed = errorBodySchema.safeParse(body);
  const reason = parsed.success ? parsed.data.reason : '';
  return firstMatchingRule(
    RULES,
    { status, reason, lastDay: archiveLastDay(reason) },
    otherFailure,
  );
}
