import { timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import { z } from 'zod';
import { createApiLedger } from '../../budget/api-ledger.ts';
import type { BudgetLine } from '../../budget/rate-windows.ts';
import type { Clock } from '../../core/clock.ts';
import { AuthenticationError, RateLimitedError, TransientError } from '../../core/errors.ts';
import { FLAG_KEYS } from '../../core/feature-flags.ts';
import { stravaWebhookEventSchema } from '../../core/strava-webhook-event.ts';
import type { JobQueue } from '../../queue/job-queue.ts';
import { sendStravaEvent } from '../../queue/strava-event-job.ts';
import type { Database } from '../../store/database.ts';
import type { FeatureFlags } from '../../store/feature-flags.ts';
import { opsStore } from '../../store/ops-store.ts';
import { pushSubscriptionStore } from '../../store/push-subscription-store.ts';
import { findConnectedUser } from '../../strava/connection-store.ts';
import type { AppEnv } from '../app-env.ts';
import { validateJson, validateQuery } from '../validate.ts';

const handshakeQuery = z.object({
  'hub.mode': z.literal('subscribe'),
  'hub.challenge': z.string().min(1).max(256),
  'hub.verify_token': z.string().max(256),
});

/** The ledger line that caps one athlete's webhook events: 60 in a quarter hour. */
export const WEBHOOK_LEDGER_PROVIDER = 'strava-webhook';
export const EVENTS_PER_ATHLETE: Omit<BudgetLine, 'bucket'> = { window: '15min', limit: 60 };

/** Set on the answer to an event that was queued: only those wake a worker (Netlify). */
export const EVENT_QUEUED_HEADER = 'x-stridesync-event-queued';

/** Why an event was not queued; logged as `dropped`, so drops can be counted by reason. */
export type DropReason =
  | 'no_subscription'
  | 'wrong_subscription'
  | 'not_connected'
  | 'flag_off'
  | 'athlete_rate'
  | 'duplicate';

/**
 * Strava's push subscription. The handshake echoes the challenge only for our verify token.
 *
 * Events are not signed and athlete and activity ids are public, so an event is trusted only as
 * far as this: it must name the subscription `stridesync strava subscribe` made and stored,
 * its athlete must be connected, and an athlete gets at most EVENTS_PER_ATHLETE in a window
 * (counted in the shared ledger, so every process and function counts together), unless the
 * `webhook` feature flag is off for the athlete's user (their runs then wait for the next
 * incremental sync). Past that
 * it is queued, once per (owner, object, aspect) while one waits, and the job confirms with
 * Strava whatever it would destroy (apply-event.ts). A dropped event is answered 200 like a
 * queued one: anything else makes Strava retry it, and tells a forger nothing.
 * Strava wants an answer within 2 s and retries otherwise; applying an event twice is
 * harmless, so Strava's retries are too.
 */
export function stravaWebhookRoutes(deps: {
  db: Database;
  clock: Clock;
  verifyToken: string | undefined;
  queue?: JobQueue;
  flags?: FeatureFlags;
}) {
  const ledger = createApiLedger(deps.db, deps.clock);
  return new Hono<AppEnv>()
    .get('/api/strava/webhook', validateQuery(handshakeQuery), (c) => {
      const query = c.req.valid('query');
      if (!deps.verifyToken || !sameSecret(query['hub.verify_token'], deps.verifyToken)) {
        throw new AuthenticationError({
          code: 'webhook_verify_token_mismatch',
          userMessage:
            'This verify token does not match this server’s STRAVA_WEBHOOK_VERIFY_TOKEN.',
          hint: 'Create the push subscription with the verify token the server is configured with.',
        });
      }
      return c.json({ 'hub.challenge': query['hub.challenge'] });
    })
    .post('/api/strava/webhook', validateJson(stravaWebhookEventSchema), async (c) => {
      const queue = deps.queue;
      if (!queue) {
        throw new TransientError({
          code: 'webhook_queue_unavailable',
          userMessage: 'Webhook events cannot be queued here.',
          hint: 'Strava retries the event; point the subscription at the stridesync server.',
        });
      }
      const event = c.req.valid('json');
      const logger = c.get('logger');
      const about = {
        subscriptionId: event.subscription_id,
        ownerId: event.owner_id,
        objectType: event.object_type,
        objectId: event.object_id,
        aspect: event.aspect_type,
      };
      const count = (result: 'accepted' | 'dropped', reason: string) =>
        opsStore.add(deps.db, [
          { name: 'stridesync_webhook_events_total', labels: { result, reason }, value: 1 },
        ]);
      const drop = async (dropped: DropReason, extra: Record<string, unknown> = {}) => {
        const level = dropped === 'duplicate' ? 'info' : 'warn';
        logger[level]({ ...about, ...extra, dropped }, 'strava event dropped');
        await count('dropped', dropped);
        return c.json({ received: true });
      };
      const subscription = await pushSubscriptionStore.load(deps.db);
      // None stored: Strava sends events only to a subscription that exists, and ours stores its
      // id when `stridesync strava subscribe` makes it. So with none, every event is forged or
      // comes from a subscription made by hand or deleted: dropped, yet answered 200, as a
      // 404 or 503 would only make Strava retry a stale subscription's events.
      if (!subscription) return drop('no_subscription');
      if (subscription.id !== event.subscription_id)
        return drop('wrong_subscription', { expectedSubscriptionId: subscription.id });
      // Not (or no longer) connected: nothing to fetch or revoke; the job would find nothing.
      const userId = await findConnectedUser(deps.db, event.owner_id);
      if (!userId) return drop('not_connected');
      if (deps.flags && !(await deps.flags.isOn(FLAG_KEYS.webhook, userId)))
        return drop('flag_off', { userId });
      try {
        await ledger.reserve(WEBHOOK_LEDGER_PROVIDER, [
          { bucket: `athlete:${event.owner_id}`, ...EVENTS_PER_ATHLETE },
        ]);
      } catch (error) {
        if (error instanceof RateLimitedError)
          return drop('athlete_rate', { until: error.resumeAt.toISOString() });
        throw error;
      }
      const jobId = await sendStravaEvent(queue, deps.db, event, c.get('correlationId'));
      if (!jobId) return drop('duplicate');
      logger.info({ ...about, jobId }, 'strava event queued');
      await count('accepted', 'queued');
      c.header(EVENT_QUEUED_HEADER, 'true');
      return c.json({ received: true });
    });
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
