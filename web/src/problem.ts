import { ApiError } from '../../src/client/api-client.ts';

/**
 * Something the runner must know about, with the one action that gets them going again. Every
 * failure the dashboard shows goes through here, so the same code always offers the same way out.
 */
export interface Problem {
  title: string;
  message: string;
  hint: string | null;
  action: 'reconnect' | 'connect' | 'retry' | 'none';
  correlationId?: string | null;
}

/** Codes whose only cure is a new Strava authorization. */
const RECONNECT_CODES = new Set([
  'strava_reconnect_required',
  'strava_token_refused',
  'strava_scope_missing',
]);
/** Codes whose cure is connecting Strava: nothing is connected, or the runner declined. */
const CONNECT_CODES = new Set(['strava_not_connected', 'strava_access_denied']);
/** Codes no retry can fix: the operator has to act. */
const OPERATOR_CODES = new Set(['strava_app_inactive']);

export function actionForCode(code: string): Problem['action'] {
  if (RECONNECT_CODES.has(code)) return 'reconnect';
  if (CONNECT_CODES.has(code)) return 'connect';
  if (OPERATOR_CODES.has(code)) return 'none';
  return 'retry';
}

export function problemFromError(title: string, error: unknown): Problem {
  if (error instanceof ApiError) {
    return {
      title,
      message: error.message,
      hint: error.hint,
      action: actionForCode(error.code),
      correlationId: error.correlationId,
    };
  }
  return {
    title,
    message: 'Something went wrong in the dashboard.',
    hint: 'Reload the page; if it keeps happening, check that the stridesync server is running.',
    action: 'retry',
  };
}

/** A failed sync session's own error, as the worker recorded it. */
export function problemFromSession(session: {
  error: { code: string; message: string | null; hint: string | null } | null;
  correlationId: string | null;
}): Problem {
  const code = session.error?.code ?? 'sync_failed';
  return {
    title: 'The sync stopped',
    message: session.error?.message ?? 'The sync failed.',
    hint: session.error?.hint ?? null,
    action: actionForCode(code),
    correlationId: session.correlationId,
  };
}
