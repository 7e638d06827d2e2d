import { timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import { z } from 'zod';
import { AuthenticationError, TransientError } from '../../core/errors.ts';
import { stravaWebhookEventSchema } from '../../core/strava-webhook-event.ts';
import type { JobQueue } from '../../queue/job-queue.ts';
import { sendStravaEvent } from '../../queue/strava-event-job.ts';
import type { AppEnv } from '../app-env.ts';
import { validateJson, validateQuery } from '../validate.ts';

const handshakeQuery = z.object({
  'hub.mode': z.literal('subscribe'),
  'hub.challenge': z.string().min(1).max(256),
  'hub.verify_token': z.string().max(256),
});

/**
 * Strava's push subscription. The handshake echoes the challenge only for our verify token.
 * An event is validated, queued and acknowledged at once (Strava wants an answer within 2 s and
 * retries otherwise); the `strava-event` job applies it, ignoring athletes who are not connected.
 * Applying an event twice is harmless, so Strava's retries are too.
 */
export function stravaWebhookRoutes(deps: { verifyToken: string | undefined; queue?: JobQueue }) {
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
      if (!deps.queue) {
        throw new TransientError({
          code: 'webhook_queue_unavailable',
          userMessage: 'Webhook events cannot be queued here.',
          hint: 'Strava retries the event; point the subscription at the stridesync server.',
        });
      }
      const event = c.req.valid('json');
      const jobId = await sendStravaEvent(deps.queue, event);
      c.get('logger').info(
        {
          jobId,
          objectType: event.object_type,
          aspect: event.aspect_type,
          ownerId: event.owner_id,
        },
        'strava event queued',
      );
      return c.json({ received: true });
    });
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
