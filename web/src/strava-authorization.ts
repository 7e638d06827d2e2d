import type { StravaCallbackBody } from '../../src/api/contract.ts';
import { type Problem, problemFromError } from './problem.ts';

/** What Strava adds to the dashboard's address when it sends the runner back. */
const STRAVA_PARAMS = ['state', 'code', 'scope', 'error'] as const;

/**
 * Strava's authorize page sends the browser back to the dashboard (the redirect_uri
 * GET /api/strava/connect gives it) with `?state=…&code=…&scope=…` or `?state=…&error=…`. Takes
 * them once, only when a state comes with a code or an error, and removes them from the address
 * bar at once, so a reload or a shared link does not carry them. Nothing here is shown: the
 * dashboard sends them to POST /api/strava/callback, whose answer says what happened.
 */
export function takeStravaAuthorization(): StravaCallbackBody | null {
  const url = new URL(window.location.href);
  const taken: Partial<Record<(typeof STRAVA_PARAMS)[number], string>> = {};
  for (const key of STRAVA_PARAMS) {
    const value = url.searchParams.get(key);
    if (value !== null) taken[key] = value;
  }
  const { state, code, error } = taken;
  if (state === undefined || (code === undefined && error === undefined)) return null;
  for (const key of STRAVA_PARAMS) url.searchParams.delete(key);
  window.history.replaceState(null, '', `${url.pathname}${url.search}${url.hash}`);
  return { ...taken, state };
}

/**
 * A connection that did not complete. Its state is spent, so trying the same one again cannot
 * work: where a retry would be offered, the way out is connecting again.
 */
export function connectProblem(error: unknown): Problem {
  const problem = problemFromError('Strava was not connected', error);
  return problem.action === 'retry' ? { ...problem, action: 'connect' } : problem;
}
