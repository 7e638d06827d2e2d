import { z } from 'zod';
import { AppError } from '../core/errors.ts';
import type { Database } from '../store/database.ts';
import type { ConnectionStore } from './connection-store.ts';

/**
 * Moves Strava tokens that an older version of the app kept in Supabase user metadata
 * (`auth.users.raw_user_meta_data`, readable by the user's own browser) into the encrypted
 * `strava_connections` table, and removes them from the metadata. Each user is one transaction:
 * the row is written and the metadata cleared together, or neither. Running it again finds
 * nothing left to move.
 */
export const LEGACY_KEYS = [
  'strava_access_token',
  'strava_refresh_token',
  'strava_expires_at',
  'strava_athlete_id',
  'strava_scope',
  'strava_token_type',
] as const;

const legacySchema = z.object({
  strava_access_token: z.string().min(1),
  strava_refresh_token: z.string().min(1),
  strava_expires_at: z.union([
    z.number().int().positive(),
    z.string().regex(/^\d+$/).transform(Number),
    z.iso.datetime({ offset: true }).transform((iso) => Math.floor(Date.parse(iso) / 1000)),
  ]),
  strava_athlete_id: z
    .union([z.number().int().positive(), z.string().regex(/^\d+$/)])
    .transform(String),
  strava_scope: z.string().optional(),
});

export interface LegacyTokenReport {
  dryRun: boolean;
  found: number;
  migrated: number;
  /** Users already connected the new way: only their legacy keys were removed. */
  alreadyConnected: number;
  /** Left as they are, with the reason (nothing is deleted that could not be moved). */
  skipped: { userId: string; reason: string }[];
}

export async function migrateLegacyTokens(
  db: Database,
  store: ConnectionStore,
  { dryRun }: { dryRun: boolean },
): Promise<LegacyTokenReport> {
  const report: LegacyTokenReport = {
    dryRun,
    found: 0,
    migrated: 0,
    alreadyConnected: 0,
    skipped: [],
  };
  const { rows } = await db.query<{ id: string }>(
    `select id from auth.users where raw_user_meta_data ?| $1::text[] order by id`,
    [LEGACY_KEYS],
  );
  report.found = rows.length;
  for (const { id: userId } of rows) {
    const outcome = await migrateOne(db, store, userId, dryRun).catch((error: unknown) => {
      if (error instanceof AppError) return { reason: error.userMessage };
      throw error;
    });
    if (outcome === 'migrated') report.migrated++;
    else if (outcome === 'alreadyConnected') report.alreadyConnected++;
    else report.skipped.push({ userId, reason: outcome.reason });
  }
  return report;
}

function migrateOne(
  db: Database,
  store: ConnectionStore,
  userId: string,
  dryRun: boolean,
): Promise<'migrated' | 'alreadyConnected' | { reason: string }> {
  return db.withTransaction(async (tx) => {
    const { rows: users } = await tx.query<{ meta: Record<string, unknown> }>(
      'select raw_user_meta_data as meta from auth.users where id = $1 for update',
      [userId],
    );
    const meta = users[0]?.meta ?? {};
    const connected = await tx.query(
      'select 1 from strava_connections where user_id = $1 and revoked_at is null',
      [userId],
    );
    let result: 'migrated' | 'alreadyConnected' | { reason: string };
    if (connected.rowCount > 0) {
      result = 'alreadyConnected';
    } else {
      const parsed = legacySchema.safeParse(meta);
      if (!parsed.success) {
        const missing = parsed.error.issues.map((i) => String(i.path[0])).join(', ');
        return { reason: `legacy metadata incomplete or malformed: ${missing}` };
      }
      const legacy = parsed.data;
      if (!dryRun) {
        await store.saveTokens(
          tx,
          userId,
          {
            access_token: legacy.strava_access_token,
            refresh_token: legacy.strava_refresh_token,
            expires_at: legacy.strava_expires_at,
          },
          {
            athlete: { id: legacy.strava_athlete_id },
            // Unknown scopes stay unknown rather than guessed: Strava's answers will tell.
            scopes: legacy.strava_scope ? legacy.strava_scope.split(/[\s,]+/).filter(Boolean) : [],
          },
        );
      }
      result = 'migrated';
    }
    if (!dryRun) {
      await tx.query(
        'update auth.users set raw_user_meta_data = raw_user_meta_data - $2::text[] where id = $1',
        [userId, LEGACY_KEYS],
      );
    }
    return result;
  });
}
