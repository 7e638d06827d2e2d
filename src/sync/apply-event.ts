import { AppError } from '../core/errors.ts';
import { isDeauthorization, stravaWebhookEventSchema } from '../core/strava-webhook-event.ts';
import type { SyncEventMap } from '../core/sync-events.ts';
import type { SyncSessionRow } from '../core/sync-session.ts';
import { softDeleteActivities, upsertActivities } from '../store/activity-store.ts';
import type { Queryable } from '../store/database.ts';
import { purgeUserData } from '../store/purge-user-data.ts';
import { appendEvent } from '../store/session-store.ts';
import { classifyRecords } from './classify-records.ts';
import type { Step, SyncDeps } from './sync-deps.ts';

type Applied = SyncEventMap['event:applied'];

/**
 * An `event` session applies one webhook event: an activity created or updated is fetched and
 * stored (or soft-deleted if it is no longer a run, or gone); a deleted one is soft-deleted; an
 * athlete's deauthorization revokes the connection (tokens deleted) and, when so configured,
 * purges their synced data as a disconnect with purge does, this session excepted (see
 * purgeUserData). Applying the same event twice ends in the same state.
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

  if (event.object_type === 'athlete') {
    await step(session, async (tx) => {
      if (!isDeauthorization(event)) return record(tx, 'ignored');
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
  if (event.aspect_type === 'delete') {
    await step(session, async (tx) => {
      await softDeleteActivities(tx, session.user_id, [objectId]);
      await record(tx, 'deleted');
    });
    return;
  }
  const raw = await fetchActivity(deps, session.user_id, objectId);
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
    await tx.query(
      `update sync_sessions set activities_listed = activities_listed + 1,
         activities_stored = activities_stored + $2, activities_skipped = activities_skipped + $3 where id = $1`,
      [session.id, rows.length, Object.values(skipped).reduce((a, b) => a + b, 0)],
    );
    await record(tx, written.unchanged > 0 ? 'unchanged' : 'stored');
  });
}

/** The activity as Strava has it now; undefined when Strava says it is gone (or not ours to see). */
async function fetchActivity(deps: SyncDeps, userId: string, activityId: string): Promise<unknown> {
  try {
    return await deps.strava.tokens.withAccessToken(userId, (token) =>
      deps.strava.client.getActivity(token, activityId),
    );
  } catch (error) {
    if (error instanceof AppError && error.code === 'strava_not_found') return undefined;
    throw error;
  }
}
