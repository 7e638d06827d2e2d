import type { Problem } from './problem.ts';
import { actionForCode } from './problem.ts';

export type StravaReturn =
  | { kind: 'connected'; missingScope: boolean }
  | { kind: 'error'; problem: Problem };

/**
 * Strava's authorization ends back here with `?strava=connected` or
 * `?strava=error&reason=<code>&message=<text>` (the API's callback puts them there). Reads them
 * once and removes them from the address bar, so a reload does not show the outcome again.
 */
export function takeStravaReturn(): StravaReturn | null {
  const url = new URL(window.location.href);
  const outcome = url.searchParams.get('strava');
  if (!outcome) return null;
  const reason = url.searchParams.get('reason') ?? 'strava_connect_failed';
  const message = url.searchParams.get('message');
  const missingScope = url.searchParams.get('missing') === 'activity:read_all';
  for (const key of ['strava', 'reason', 'message', 'missing']) url.searchParams.delete(key);
  window.history.replaceState(null, '', `${url.pathname}${url.search}${url.hash}`);
  if (outcome === 'connected') return { kind: 'connected', missingScope };
  const action = actionForCode(reason);
  return {
    kind: 'error',
    problem: {
      title: 'Strava was not connected',
      message: message ?? 'Connecting Strava did not finish.',
      hint: null,
      action: action === 'retry' ? 'connect' : action,
    },
  };
}
