import { z } from 'zod';
import { ConfigError, TransientError } from '../core/errors.ts';
import { stravaIdSchema } from '../core/strava-id.ts';

/**
 * Strava's push subscription endpoints (`/push_subscriptions`), which take the application's
 * client id and secret rather than an athlete's token and are not counted in the API limits.
 * Creating one is slow on purpose: Strava GETs the callback URL (the `hub.challenge` handshake)
 * before it answers, so the webhook must already be served there.
 */
export interface PushSubscriptionsApi {
  create(callbackUrl: string, verifyToken: string): Promise<StravaSubscription>;
  list(): Promise<StravaSubscription[]>;
  /** `not_found`: Strava has no subscription by that id (deleted already). */
  remove(id: string): Promise<'deleted' | 'not_found'>;
}

export interface StravaSubscription {
  id: string;
  callbackUrl: string;
}

const subscriptionSchema = z
  .looseObject({ id: stravaIdSchema, callback_url: z.string() })
  .transform((s): StravaSubscription => ({ id: s.id, callbackUrl: s.callback_url }));

/** Strava waits up to 2 s for the handshake; this leaves room for a slow Strava on top. */
const TIMEOUT_MS = 30_000;

export function createPushSubscriptionsApi(options: {
  apiUrl: string;
  clientId: string;
  clientSecret: string;
}): PushSubscriptionsApi {
  const credentials = { client_id: options.clientId, client_secret: options.clientSecret };
  const url = (path: string, query: Record<string, string> = {}) =>
    `${options.apiUrl}/push_subscriptions${path}?${new URLSearchParams(query)}`;

  async function call(what: string, target: string, init: RequestInit) {
    let response: Response;
    try {
      response = await fetch(target, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (error) {
      throw unavailable(what, 'no answer', error);
    }
    const text = await response.text();
    const body = text === '' ? undefined : safeJson(text);
    if (response.status >= 500) throw unavailable(what, `status ${response.status}`);
    if (response.status === 401 || response.status === 403) {
      throw new ConfigError({
        code: 'strava_app_credentials_refused',
        userMessage: 'Strava refused this application’s client id and secret.',
        hint: 'Check STRAVA_CLIENT_ID and STRAVA_CLIENT_SECRET against strava.com/settings/api.',
        detail: `${what} → ${response.status}: ${describe(body)}`,
      });
    }
    return { status: response.status, body };
  }

  return {
    async create(callbackUrl, verifyToken) {
      const what = 'POST /push_subscriptions';
      const { status, body } = await call(what, url(''), {
        method: 'POST',
        body: new URLSearchParams({
          ...credentials,
          callback_url: callbackUrl,
          verify_token: verifyToken,
        }),
      });
      if (status === 200 || status === 201) return subscriptionSchema.parse(body);
      const errors = describe(body);
      if (errors.includes('already exists')) {
        throw new ConfigError({
          code: 'strava_subscription_exists',
          userMessage: 'Strava already has a push subscription for this application.',
          hint: 'Run `stridesync strava unsubscribe` to delete it, then subscribe again.',
          detail: `${what} → ${status}: ${errors}`,
        });
      }
      throw new ConfigError({
        code: 'strava_subscription_refused',
        userMessage: `Strava did not accept the callback URL ${callbackUrl}.`,
        hint:
          'Strava checks it at once: the stridesync API must answer there (deploy first), ' +
          'with the same STRAVA_WEBHOOK_VERIFY_TOKEN as this command.',
        detail: `${what} → ${status}: ${errors}`,
      });
    },
    async list() {
      const what = 'GET /push_subscriptions';
      const { status, body } = await call(what, url('', credentials), { method: 'GET' });
      if (status !== 200) throw unavailable(what, `status ${status}: ${describe(body)}`);
      return z.array(subscriptionSchema).parse(body);
    },
    async remove(id) {
      const what = `DELETE /push_subscriptions/${id}`;
      const { status, body } = await call(what, url(`/${id}`, credentials), { method: 'DELETE' });
      if (status === 204 || status === 200) return 'deleted';
      if (status === 404) return 'not_found';
      throw unavailable(what, `status ${status}: ${describe(body)}`);
    },
  };
}

function unavailable(what: string, why: string, cause?: unknown): TransientError {
  return new TransientError({
    code: 'strava_unavailable',
    userMessage: 'Strava did not answer the push subscription request.',
    hint: 'Try the command again in a few minutes.',
    detail: `${what}: ${why}`,
    cause,
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text.slice(0, 200);
  }
}

function describe(body: unknown): string {
  const errors = (body as { errors?: unknown } | undefined)?.errors;
  return Array.isArray(errors) ? JSON.stringify(errors) : JSON.stringify(body ?? null);
}
