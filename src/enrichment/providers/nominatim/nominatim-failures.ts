import type { AppError } from '../../../core/errors.ts';
import {
  callFailed,
  type FailureRule,
  firstMatchingRule,
  operatorError,
} from '../../provider-calls.ts';

/**
 * What a failed Nominatim answer means, in one table (first match wins). Its error bodies are
 * not read: the status says it all.
 * - 429: a rate limit; the caller honours `Retry-After`, else spends the minute (it needs the
 *   response and the ledger);
 * - 403: the usage policy refuses the client (a stock User-Agent, a blocked address): the
 *   operator's to fix, once;
 * - anything else (a 400 for this request, a 404, 5xx after retries) fails the call at hand.
 */
export type NominatimFailure = { action: 'rate_limited' } | { action: 'throw'; error: AppError };

interface Answer {
  status: number;
  /** The server asked, named in the operator's message. */
  host: string;
}

const RULES: readonly FailureRule<Answer, NominatimFailure>[] = [
  { matches: (a) => a.status === 429, build: () => ({ action: 'rate_limited' }) },
  {
    matches: (a) => a.status === 403,
    build: (a) => ({
      action: 'throw',
      error: operatorError(
        'nominatim_access_denied',
        'Nominatim refused stridesync’s requests (HTTP 403: usage policy).',
        'The operator must check PUBLIC_URL (it identifies the app in the User-Agent), or point stridesync at another Nominatim-compatible service.',
        `HTTP 403 from ${a.host}`,
      ),
    }),
  },
];

function otherFailure(a: Answer): NominatimFailure {
  return { action: 'throw', error: callFailed('Nominatim', `HTTP ${a.status}`) };
}

export function classifyNominatimFailure(status: number, host: string): NominatimFailure {
  return firstMatchingRule(RULES, { status, host }, otherFailure);
}
