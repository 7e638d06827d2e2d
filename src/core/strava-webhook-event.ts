import { z } from 'zod';
import { stravaIdSchema } from './strava-id.ts';

/**
 * An event Strava POSTs to our webhook subscription. `updates` carries only what changed, with
 * values as strings (`{ "title": "Messy" }`, `{ "private": "true" }`); a deauthorization is an
 * athlete update with `{ "authorized": "false" }`. Unknown fields pass through.
 */
export const stravaWebhookEventSchema = z.looseObject({
  aspect_type: z.enum(['create', 'update', 'delete']),
  object_type: z.enum(['activity', 'athlete']),
  /** The activity id, or the athlete id for athlete events. */
  object_id: stravaIdSchema,
  /** The athlete id. */
  owner_id: stravaIdSchema,
  subscription_id: stravaIdSchema,
  /** Unix seconds. */
  event_time: z.int().nonnegative(),
  updates: z.record(z.string(), z.unknown()).default({}),
});

export type StravaWebhookEvent = z.infer<typeof stravaWebhookEventSchema>;

/** The athlete revoked our access: their tokens are dead and their data must be handled. */
export function isDeauthorization(event: StravaWebhookEvent): boolean {
  const authorized = event.updates.authorized;
  return event.object_type === 'athlete' && (authorized === 'false' || authorized === false);
}
