import type { AppError } from '../../../core/errors.ts';
import {
  callFailed,
  type FailureRule,
  firstMatchingRule,
  operatorError,
} from '../../provider-calls.ts';
import { owmErrorBodySchema } from './openweathermap-schemas.ts';

/**
 * What a failed OpenWeatherMap response means, in one table (first match wins) rather than
 * status checks scattered through the clients. Bodies are `{"cod":401,"message":"…"}` with
 * `cod` a number or a string (see test/fixtures/api-samples/owm_*.json).
 *
 * 401 and 404 are the operator's to fix and stop the provider with ONE ConfigError, however
 * many runs are waiting: a bad key is not a per-run problem. 429 is handled by the caller
 * (it needs the ledger); everything else fails only the call at hand.
 */
export type OwmFailure = { action: 'rate_limited' } | { action: 'throw'; error: AppError };

interface Answer {
  status: number;
  message: string;
}

const SETTINGS_HINT =
  'The operator must fix OPENWEATHER_API_KEY (or unset it to use Open-Meteo); runs keep waiting and are enriched once it works.';

const RULES: readonly FailureRule<Answer, OwmFailure>[] = [
  {
    matches: ({ status, message }) => status === 401 && /subscription/i.test(message),
    build: ({ status, message }) => ({
      action: 'throw',
      error: operatorError(
        'openweathermap_subscription_missing',
        'The OpenWeatherMap key is valid but not subscribed to One Call API 3.0 ("One Call by Call").',
        `Subscribe the key's account to One Call by Call at openweathermap.org/price. ${SETTINGS_HINT}`,
        `HTTP ${status}: ${message}`,
      ),
    }),
  },
  {
    matches: ({ status }) => status === 401 || status === 403,
    build: ({ status, message }) => ({
      action: 'throw',
      error: operatorError(
        'openweathermap_key_invalid',
        'OpenWeatherMap refused the configured API key (OPENWEATHER_API_KEY).',
        `Check the key at home.openweathermap.org/api_keys (new keys take a few hours to work). ${SETTINGS_HINT}`,
        `HTTP ${status}: ${message}`,
      ),
    }),
  },
  {
    matches: ({ status }) => status === 404,
    build: ({ status, message }) => ({
      action: 'throw',
      error: operatorError(
        'openweathermap_not_found',
        'OpenWeatherMap answered "not found": the configured address does not serve this API.',
        'The operator must check OPENWEATHER_API_URL (default https://api.openweathermap.org).',
        `HTTP ${status}: ${message}`,
      ),
    }),
  },
  { matches: ({ status }) => status === 429, build: () => ({ action: 'rate_limited' }) },
];

/** Anything else (400 for this request, 5xx after retries) fails only the call at hand. */
function otherFailure({ status, message }: Answer): OwmFailure {
  const detail = `HTTP ${status}${message ? `: ${message}` : ''}`;
  return { action: 'throw', error: callFailed('OpenWeatherMap', detail) };
}

export function classifyOwmFailure(status: number, body: unknown): OwmFailure {
  const parsed = owmErrorBodySchema.safeParse(body);
  const message = parsed.success ? (parsed.data.message ?? '') : '';
  return firstMatchingRule(RULES, { status, message }, otherFailure);
}
