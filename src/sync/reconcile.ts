import type { SyncSessionRow } from '../core/sync-session.ts';
import { listableActivityIdsSince, softDeleteActivities } from '../store/activity-store.ts';
import type { Queryable } from '../store/database.ts';
import { appendEvent } from '../store/session-store.ts';
import type { SyncDeps } from './sync-deps.ts';

/** How far back a reconcile re-lists, for the edits and deletions Strava sends no webhook for. */
export const RECONCILE_WINDOW_DAYS = 30;

/**
 * Below this many, deletions are always trusted; above it, only while they stay a small share of
 * the window. A listing cut short (a scope dropped, an API glitch answering an empty page) would
 * otherwise look like "every run was deleted".
 */
const TRUSTED_DELETIONS = 5;
const MAX_DELETED_SHARE = 0.25;

/**
 * The end of a reconcile: runs stored in the window that the listing no longer shows were deleted
 * on Strava (which sends no webhook we can count on) — unless so many would go that the listing
 * itself is more likely wrong; then nothing is deleted and the refusal is recorded. Private runs
 * are only judged when the connection may list private activities.
 */
export async function deleteUnlisted(
  tx: Queryable,
  deps: SyncDeps,
  session: SyncSessionRow,
  seenIds: readonly string[],
) {
  const windowStart = new Date(deps.clock.now() - RECONCILE_WINDOW_DAYS * 24 * 3600 * 1000);
  const stored = await listableActivityIdsSince(tx, session.user_id, windowStart);
  const seen = new Set(seenIds);
  const candidates = stored.filter((id) => !seen.has(id));
  if (candidates.length === 0) return;
  const tooMany =
    seenIds.length === 0 ||
    (candidates.length > TRUSTED_DELETIONS &&
      candidates.length > stored.length * MAX_DELETED_SHARE);
  if (tooMany) {
    await appendEvent(tx, session, {
      type: 'reconcile:refused',
      payload: { candidates: candidates.length, stored: stored.length, listed: seenIds.length },
    });
    return;
  }
  const count = await softDeleteActivities(tx, session.user_id, candidates);
  await appendEvent(tx, session, {
    type: 'reconcile:deleted',
    payload: { count, windowDays: RECONCILE_WINDOW_DAYS },
  });
}
