import { deleteUserActivities } from './activity-store.ts';
import type { Queryable } from './database.ts';

/**
 * Deletes a runner's synced data, whichever way their Strava access ended (their own disconnect
 * with `purge=true`, or a deauthorization on Strava with PURGE_ON_DEAUTHORIZE): their runs, and
 * their sync sessions with each session's timeline (`sync_events` go with their session). The
 * connection is the caller's to revoke, in the same transaction; revoking deletes its tokens.
 *
 * `runningSessionId` is the session this purge runs inside, if any, and it is kept. A
 * deauthorization is applied by an `event` session of that same user: deleting its row would
 * take its lease with it, so the runner could not record the end of the session that did the
 * purge (it would stop on a lost lease with the revocation half-told). Kept, it ends as
 * `completed` like any other event, and its timeline, which holds no run, is the record of
 * the revocation. It is the user's only active session (one per user), so no other worker is
 * running anything this deletes. Without it (a disconnect), a sync of the user under way goes
 * too: its worker finds its lease gone at its next step and stops without writing.
 */
export async function purgeUserData(
  tx: Queryable,
  userId: string,
  options: { runningSessionId?: string } = {},
): Promise<{ activities: number; sessions: number }> {
  const sessions = await tx.query(
    'delete from sync_sessions where user_id = $1 and id is distinct from $2::uuid',
    [userId, options.runningSessionId ?? null],
  );
  return { activities: await deleteUserActivities(tx, userId), sessions: sessions.rowCount };
}
