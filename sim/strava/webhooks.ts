import { randomBytes, randomInt } from 'node:crypto';
import type { Clock } from '../../src/core/clock.ts';
import { type StravaErrorBody, stravaErrors } from './errors.ts';
import type { SimApp } from './types.ts';

/**
 * Push subscriptions and event delivery, as Strava's webhook docs describe them:
 * - one subscription per application (a second gets 400 "already exists");
 * - creating one first GETs the callback with `hub.verify_token`, `hub.challenge` and
 *   `hub.mode=subscribe`; it must answer 200 with `{"hub.challenge": <the challenge>}` within
 *   two seconds, else 400;
 * - each event is POSTed as JSON; anything but a 200 within two seconds is retried, up to
 *   three attempts in all. The pause between attempts is not documented (`retryDelayMs`).
 * Events are not signed (Strava's are not either).
 */
export interface Subscription {
  id: number;
  clientId: string;
  callbackUrl: string;
  createdAt: string;
  updatedAt: string;
}

export interface WebhookEvent {
  aspect_type: 'create' | 'update' | 'delete';
  event_time: number;
  object_id: number;
  object_type: 'activity' | 'athlete';
  owner_id: number;
  subscription_id: number;
  updates: Record<string, string>;
}

export interface DeliveryAttempt {
  at: string;
  status?: number;
  error?: string;
}

export interface Delivery {
  subscriptionId: number;
  callbackUrl: string;
  event: WebhookEvent;
  /** The `deliverWebhooks: false` knob: Strava "lost" it; no POST was made. */
  lost: boolean;
  delivered: boolean;
  attempts: DeliveryAttempt[];
}

export interface WebhookOptions {
  clock: Clock;
  fetch?: typeof fetch;
  /** Default 2,000 (Strava's documented deadline). */
  timeoutMs?: number;
  /** Default 3 (Strava's documented total). */
  attempts?: number;
  /** Default 1,000. */
  retryDelayMs?: number;
}

export interface Webhooks {
  create(
    app: SimApp,
    callbackUrl: string,
    verifyToken: string,
  ): Promise<{ ok: true; subscription: Subscription } | { ok: false; body: StravaErrorBody }>;
  list(clientId: string): Subscription[];
  remove(clientId: string, id: number): boolean;
  subscriptionFor(clientId: string): Subscription | undefined;
  publish(clientId: string, event: Omit<WebhookEvent, 'subscription_id'>, lost: boolean): void;
  /** Resolves when every delivery in flight (retries included) has finished. */
  flush(): Promise<void>;
  deliveries(): Delivery[];
  /** Aborts retries and POSTs in flight; with `forget`, also drops subscriptions and the log. */
  stop(forget: boolean): void;
}

export function subscriptionJson(subscription: Subscription): Record<string, unknown> {
  return {
    id: subscription.id,
    resource_state: 2,
    application_id: Number(subscription.clientId),
    callback_url: subscription.callbackUrl,
    created_at: subscription.createdAt,
    updated_at: subscription.updatedAt,
  };
}

export function createWebhooks(options: WebhookOptions): Webhooks {
  const fetcher = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 2000;
  const maxAttempts = options.attempts ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 1000;
  const subscriptions = new Map<string, Subscription>();
  let log: Delivery[] = [];
  const inFlight = new Set<Promise<void>>();
  let stopper = new AbortController();

  const send = async (delivery: Delivery, signal: AbortSignal) => {
    for (let attempt = 1; attempt <= maxAttempts && !signal.aborted; attempt++) {
      if (attempt > 1) await sleep(retryDelayMs, signal);
      if (signal.aborted) return;
      const record: DeliveryAttempt = { at: new Date(options.clock.now()).toISOString() };
      delivery.attempts.push(record);
      try {
        const response = await fetcher(delivery.callbackUrl, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(delivery.event),
          signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
        });
        record.status = response.status;
        await response.body?.cancel();
        if (response.status === 200) {
          delivery.delivered = true;
          return;
        }
      } catch (error) {
        record.error = error instanceof Error ? error.message : String(error);
      }
    }
  };

  return {
    async create(app, callbackUrl, verifyToken) {
      if (subscriptions.has(app.clientId))
        return { ok: false, body: stravaErrors.subscriptionExists() };
      const challenge = randomBytes(7).toString('hex');
      let url: URL;
      try {
        url = new URL(callbackUrl);
      } catch {
        return {
          ok: false,
          body: stravaErrors.invalidParameter('callback url', 'PushSubscription'),
        };
      }
      url.searchParams.set('hub.verify_token', verifyToken);
      url.searchParams.set('hub.challenge', challenge);
      url.searchParams.set('hub.mode', 'subscribe');
      try {
        const response = await fetcher(url, { signal: AbortSignal.timeout(timeoutMs) });
        if (response.status !== 200) {
          await response.body?.cancel();
          return { ok: false, body: stravaErrors.callbackNot200() };
        }
        const echoed = (await response.json().catch(() => null)) as Record<string, unknown> | null;
        if (echoed?.['hub.challenge'] !== challenge) {
          return { ok: false, body: stravaErrors.callbackChallengeMismatch() };
        }
      } catch {
        return { ok: false, body: stravaErrors.callbackNot200() };
      }
      const created = nanosecondIso(options.clock.now());
      const subscription: Subscription = {
        id: randomInt(100_000, 999_999),
        clientId: app.clientId,
        callbackUrl,
        createdAt: created,
        updatedAt: created,
      };
      subscriptions.set(app.clientId, subscription);
      return { ok: true, subscription };
    },
    list: (clientId) => {
      const subscription = subscriptions.get(clientId);
      return subscription ? [subscription] : [];
    },
    remove(clientId, id) {
      if (subscriptions.get(clientId)?.id !== id) return false;
      subscriptions.delete(clientId);
      return true;
    },
    subscriptionFor: (clientId) => subscriptions.get(clientId),
    publish(clientId, event, lost) {
      const subscription = subscriptions.get(clientId);
      if (!subscription) return;
      const delivery: Delivery = {
        subscriptionId: subscription.id,
        callbackUrl: subscription.callbackUrl,
        // Key order of the documented example event.
        event: {
          aspect_type: event.aspect_type,
          event_time: event.event_time,
          object_id: event.object_id,
          object_type: event.object_type,
          owner_id: event.owner_id,
          subscription_id: subscription.id,
          updates: event.updates,
        },
        lost,
        delivered: false,
        attempts: [],
      };
      log.push(delivery);
      if (lost) return;
      const running = send(delivery, stopper.signal).finally(() => inFlight.delete(running));
      inFlight.add(running);
    },
    async flush() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    deliveries: () => log.map((delivery) => ({ ...delivery, attempts: [...delivery.attempts] })),
    stop(forget) {
      stopper.abort(); // in-flight sends end at once; flush() then resolves promptly
      stopper = new AbortController();
      if (forget) {
        subscriptions.clear();
        log = [];
      }
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** `2018-11-29T21:46:21.854786016Z`: Strava's subscription timestamps carry nanoseconds. */
function nanosecondIso(epochMs: number): string {
  const iso = new Date(epochMs).toISOString();
  return `${iso.slice(0, -1)}${String(randomInt(0, 1_000_000)).padStart(6, '0')}Z`;
}
