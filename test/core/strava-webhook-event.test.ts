import { describe, expect, it } from 'vitest';
import {
  isDeauthorization,
  stravaWebhookEventSchema,
} from '../../src/core/strava-webhook-event.ts';
import { readApiSample } from '../support/api-samples.ts';

const activityUpdate = readApiSample('strava_webhook_event_activity_update.json');
const deauthorized = readApiSample('strava_webhook_event_athlete_deauthorized.json');

describe('stravaWebhookEventSchema', () => {
  it('parses the documented activity update, ids as strings', () => {
    const event = stravaWebhookEventSchema.parse(activityUpdate);
    expect(event).toEqual({
      aspect_type: 'update',
      event_time: 1516126040,
      object_id: '1360128428',
      object_type: 'activity',
      owner_id: '134815',
      subscription_id: '120475',
      updates: { title: 'Messy' },
    });
    expect(isDeauthorization(event)).toBe(false);
  });

  it('parses a captured deauthorization', () => {
    const event = stravaWebhookEventSchema.parse(deauthorized);
    expect(event).toMatchObject({
      object_type: 'athlete',
      object_id: '12972711',
      owner_id: '12972711',
      updates: { authorized: 'false' },
    });
    expect(isDeauthorization(event)).toBe(true);
  });

  it('defaults missing updates (create and delete events) to none', () => {
    const event = stravaWebhookEventSchema.parse({
      aspect_type: 'delete',
      event_time: 1516126040,
      object_id: 1360128428,
      object_type: 'activity',
      owner_id: 134815,
      subscription_id: 120475,
    });
    expect(event.updates).toEqual({});
  });

  it.each([
    ['an unknown aspect', { aspect_type: 'archive' }],
    ['an unknown object type', { object_type: 'club' }],
    ['an unsafe object id', { object_id: 2 ** 53 + 2 }],
    ['a missing owner', { owner_id: undefined }],
  ])('rejects %s', (_label, change) => {
    const raw = { ...(activityUpdate as object), ...change };
    expect(stravaWebhookEventSchema.safeParse(raw).success).toBe(false);
  });
});
