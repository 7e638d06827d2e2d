import type { Queryable } from '../store/database.ts';
import { sessionStore } from '../store/session-store.ts';
import {
  DISCONNECTED_BY_USER,
  notConnected,
  readConnectionProfile,
  reconnectRequired,
} from '../strava/connection-store.ts';

/**
 * What every way of starting a user's sync checks and decides the same way: `POST /api/syncs`
 * and `stridesync sync`.
 */

/** Refuses a start that could only fail: say what to do instead of queueing it. */
export async function requireConnection(db: Queryable, userId: string): Promise<void> {
  const connection = await readConnectionProfile(db, userId);
  if (!connection || connection.revoked_reason === DISCONNECTED_BY_USER) throw notConnected();
  if (connection.revoked_at !== null) throw reconnectRequired('connection revoked');
}

/** A first sync is a backfill; once a backfill has completed, syncs pick up what is new. */
export async function defaultKind(
  db: Queryable,
  userId: string,
): Promise<'backfill' | 'incremental'> {
  return (await sessionStore.hasCompletedBackfill(db, userId)) ? 'incremental' : 'backfill';
}
