import { STRAVA_EVENT_SHARES } from '../budget/api-ledger.ts';
import { AppError } from '../core/errors.ts';
import { isDeauthorization, stravaWebhookEventSchema } from '../core/strava-webhook-event.ts';
import type { SyncEventMap } from '../core/sync-events.ts';
import type { SyncSessionRow } from '../core/sync-session.ts';
import { softDeleteActivities, upsertActivities } from '../store/activity-store.ts';
import type { Queryable } from '../store/database.ts';
import { purgeUserData } from '../store/purge-user-data.ts';
import { appendEvent, sessionStore } from '../store/session-store.ts';
import { classifyRecords } from './classify-records.ts';
import type { Step, SyncDeps } from './sync-deps.ts';

type Applied = SyncEventMap['event:applied'];

/**
 * An `event` session applies one webhook event: an activity created or updated is fetched and
 * stored (or soft-deleted if it is no longer a run, or gone); a deleted one is soft-deleted; an
 * athlete's deauthorization revokes the connection (tokens deleted) and, when so configured,
 * purges their synced data as a disconnect with purge does, this session excepted (see
 * purgeUserData). Applying the same event twice ends in the same state.
 *
 * Strava's events are unsigned, so nothing is destroyed on an event's word: a deauthorization
 * holds only once Strava refuses the athlete's tokens (GET /athlete, refreshing once), a deletion
 * only once Strava answers 404 for the activity. Otherwise the event is `unconfirmed`: logged,
 * and nothing changes. Every Strava read here spends at most the events' share of the budget
 * (STRAVA_EVENT_SHARES), so a flood of events cannot starve users' syncs.
 */
export async function applyEvent(
  deps: SyncDeps,
  session: SyncSessionRow,
  step: Step,
): Promise<void> {
  const event = stravaWebhookEventSchema.parse(session.input);
  const objectId = event.object_id;
  const record = (tx: Queryable, action: Applied['action']) =>
    appendEvent(tx, session, {
      type: 'event:applied',
      payload: { object: event.object_type, action, objectId },
    });

  const unconfirmed = (tx: Queryable, why: string) => {
    deps.logger.warn(
      {
        correlationId: session.correlation_id,
        sessionId: session.id,
        ownerId: event.owner_id,
        objectType: event.object_type,
        objectId,
        aspect: event.aspect_type,
        subscriptionId: event.subscription_id,
      },
      `strava event not confirmed by Strava, nothing changed: ${why}`,
    );
    return record(tx, 'unconfirmed');
  };

  if (event.object_type === 'athlete') {
    const revoked = isDeauthorization(event) && (await accessRevoked(deps, session.user_id));
    await step(session, async (tx) => {
      if (!isDeauthorization(event)) return record(tx, 'ignored');
      if (!revoked) return unconfirmed(tx, 'Strava still accepts the athlete’s token');
      await deps.strava.connections.revoke(
        tx,
        session.user_id,
        'the athlete revoked access on Strava',
      );
      if (deps.purgeOnDeauthorize)
        await purgeUserData(tx, session.user_id, { runningSessionId: session.id });
      await record(tx, 'revoked');
    });
    return;
  }
  const raw = await fetchActivity(deps, session.user_id, objectId);
  if (event.aspect_type === 'delete') {
    await step(session, async (tx) => {
      if (raw !== undefined) return unconfirmed(tx, 'Strava still has the activity');
      await softDeleteActivities(tx, session.user_id, [objectId]);
      await record(tx, 'deleted');
    });
    return;
  }
  await step(session, async (tx) => {
    if (raw === undefined) {
      await softDeleteActivities(tx, session.user_id, [objectId]);
      return record(tx, 'deleted');
    }
    const { rows, notRuns, skipped } = classifyRecords([raw], session.user_id, deps.sportTypes);
    if (notRuns.length > 0) {
      await softDeleteActivities(tx, session.user_id, notRuns);
      return record(tx, 'not_a_run');
    }
    const written = await upsertActivities(tx, rows);
    await sessionStore.addEventCounts(tx, session.id, {
      stored: rows.length,
      changed: written.inserted + written.updated,
      skipped: Object.values(skipped).reduce((a, b) => a + b, 0),
    });
    await record(tx, written.unchanged > 0 ? 'unchanged' : 'stored');
  });
}

/**
 * Whether Strava has really ended our access: it refuses the athlete's token, and the refreshed
 * one too (the token manager then revokes the connection itself and says "reconnect"). A token
 * Strava accepts means the deauthorization event was forged.
 */
async function accessRevoked(deps: SyncDeps, userId: string): Promise<boolean> {
  try {
    await deps.strava.tokens.withAccessToken(userId, (token) =>
      deps.strava.client.getAthlete(token, STRAVA_EVENT_SHARES),
    );
    return false;
  } catch (error) {
    if (error instanceof AppError && error.code === 'strava_reconnect_required') return true;
    throw error;
  }
}

/** The activity as Strava has it now; undefined when Strava says it is gone (or not ours to see). */
async function fetchActivity(deps: SyncDeps, userId: string, activityId: string): Promise<unknown> {
  try {
    return await deps.strava.tokens.withAccessToken(userId, (token) =>
      deps.strava.client.getActivity(token, activityId, STRAVA_EVENT_SHARES),
    );
  } catch (error) {
    if (error instanceof AppError && error.code === 'strava_not_found') return undefined;
    throw error;
  }
}
