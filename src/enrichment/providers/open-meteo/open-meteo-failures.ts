import { z } from 'zod';
import type { AppError } from '../../../core/errors.ts';
import { callFailed, operatorError } from '../../provider-calls.ts';
import { archiveLastDay } from './open-meteo-archive.ts';

/**
 * What a failed Open-Meteo answer means. Its errors are `{"error":true,"reason":"…"}`:
 * - 400 "… out of allowed range from 1940-01-01 to <last day>": the archive lags more than we
 *   assumed; days after <last day> are not there yet (the caller retries the rest and waits);
 * - 429 "Minutely/Hourly/Daily API request limit exceeded": the named window is spent;
 * - 404: the configured address does not serve the archive (operator);
 * - anything else fails the call at hand.
 */
export type OpenMeteoFailure =
  | { action: 'archive_ends'; lastDay: number }
  | { action: 'rate_limited'; window: 'minute' | 'hour' | 'daily' }
  | { action: 'throw'; error: AppError };

const errorBodySchema = z.looseObject({ reason: z.string() });

export function classifyOpenMeteoFailure(status: number, body: unknown): OpenMeteoFailure {
  const parsed = errorBodySchema.safeParse(body);
  const reason = parsed.success ? parsed.data.reason : '';
  if (status === 400) {
    const lastDay = archiveLastDay(reason);
    if (lastDay !== undefined) return { action: 'archive_ends', lastDay };
  }
  if (status === 429) {
    if (/minutely/i.test(reason)) return { action: 'rate_limited', window: 'minute' };
    if (/hourly/i.test(reason)) return { action: 'rate_limited', window: 'hour' };
    return { action: 'rate_limited', window: 'daily' };
  }
  if (status === 404) {
    return {
      action: 'throw',
      error: operatorError(
        'open_meteo_not_found',
        'Open-Meteo answered "not found": the configured address does not serve its archive.',
        'The operator must check OPEN_METEO_ARCHIVE_URL (default https://archive-api.open-meteo.com/v1/archive).',
        `HTTP 404: ${reason}`,
      ),
    };
  }
  return {
    action: 'throw',
    error: callFailed('Open-Meteo', `HTTP ${status}${reason ? `: ${reason}` : ''}`),
  };
}
