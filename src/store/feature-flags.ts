import type { Clock } from '../core/clock.ts';
import { type FeatureFlag, isFlagOn } from '../core/feature-flags.ts';
import type { Queryable } from './database.ts';

/** One flag as stored, with what the operator wrote about it and when. */
export interface StoredFlag extends FeatureFlag {
  description: string | null;
  updatedAt: Date;
}

interface Row {
  key: string;
  enabled: boolean;
  rollout_percent: number;
  allow_users: string[];
  deny_users: string[];
  description: string | null;
  updated_at: Date;
}

const fromRow = (row: Row): StoredFlag => ({
  key: row.key,
  enabled: row.enabled,
  rolloutPercent: row.rollout_percent,
  allow: row.allow_users,
  deny: row.deny_users,
  description: row.description,
  updatedAt: row.updated_at,
});

const COLUMNS = 'key, enabled, rollout_percent, allow_users, deny_users, description, updated_at';

/** What `stridesync flags set` changes; a field left out keeps its stored value. */
export interface FlagChange {
  rolloutPercent?: number;
  allow?: readonly string[];
  deny?: readonly string[];
}

export const featureFlagStore = {
  async list(db: Queryable): Promise<StoredFlag[]> {
    const { rows } = await db.query<Row>(`select ${COLUMNS} from feature_flags order by key`);
    return rows.map(fromRow);
  },

  /**
   * Creates or changes a flag and switches it on. A new flag's unset fields are 0 % and empty
   * lists: only the allowed users get it until a percentage is given.
   */
  async set(db: Queryable, key: string, change: FlagChange): Promise<StoredFlag> {
    const { rows } = await db.query<Row>(
      `insert into feature_flags (key, enabled, rollout_percent, allow_users, deny_users)
       values ($1, true, coalesce($2, 0), coalesce($3::uuid[], '{}'), coalesce($4::uuid[], '{}'))
       on conflict (key) do update set
         enabled = true,
         rollout_percent = coalesce($2, feature_flags.rollout_percent),
         allow_users = coalesce($3::uuid[], feature_flags.allow_users),
         deny_users = coalesce($4::uuid[], feature_flags.deny_users)
       returning ${COLUMNS}`,
      [key, change.rolloutPercent ?? null, change.allow ?? null, change.deny ?? null],
    );
    return fromRow(rows[0] as Row);
  },

  /** Off for everyone, allowed users included: `enabled` false and 0 %. The lists are kept. */
  async off(db: Queryable, key: string): Promise<StoredFlag> {
    const { rows } = await db.query<Row>(
      `insert into feature_flags (key, enabled, rollout_percent) values ($1, false, 0)
       on conflict (key) do update set enabled = false, rollout_percent = 0
       returning ${COLUMNS}`,
      [key],
    );
    return fromRow(rows[0] as Row);
  },
};

/** How long a process trusts the flags it read: a change elsewhere shows within this. */
export const FLAG_CACHE_MS = 30_000;

/**
 * The flags as the server reads them: all rows in one query, kept for `ttlMs` (30 s), so the hot
 * paths (every webhook event, every enrichment batch) cost no query. A change made by another
 * process is seen within `ttlMs`; `invalidate()` drops the cache at once (the CLI calls it after
 * its own change, so that process sees it instantly). A failed read is not cached: the next call
 * asks again, and the caller's work fails as any database failure does.
 */
export interface FeatureFlags {
  isOn(key: string, userId: string): Promise<boolean>;
  /** Each of `keys` for one user: the answer the dashboard reads. */
  forUser(keys: readonly string[], userId: string): Promise<Record<string, boolean>>;
  invalidate(): void;
}

export function createFeatureFlags(
  db: Queryable,
  options: { clock: Clock; ttlMs?: number },
): FeatureFlags {
  const ttlMs = options.ttlMs ?? FLAG_CACHE_MS;
  let cached: { until: number; flags: Promise<Map<string, StoredFlag>> } | undefined;
  const load = (): Promise<Map<string, StoredFlag>> => {
    const now = options.clock.now();
    if (cached && cached.until > now) return cached.flags;
    const flags = featureFlagStore.list(db).then((rows) => new Map(rows.map((r) => [r.key, r])));
    const entry = { until: now + ttlMs, flags };
    cached = entry;
    flags.catch(() => {
      if (cached === entry) cached = undefined;
    });
    return flags;
  };
  return {
    async isOn(key, userId) {
      return isFlagOn((await load()).get(key), userId);
    },
    async forUser(keys, userId) {
      const flags = await load();
      return Object.fromEntries(keys.map((key) => [key, isFlagOn(flags.get(key), userId)]));
    },
    invalidate() {
      cached = undefined;
    },
  };
}
