/**
 * Feature flags: which parts of the system run for which user, switched without a deploy.
 *
 * A flag is one row of `feature_flags`: on or off (`enabled`), a rollout percentage, and lists
 * of user ids always let in (`allow`) or always kept out (`deny`). Whether a flag is on for a
 * user is decided here, in pure code, in this order:
 * 1. no row for the flag: on (what the system did before flags existed);
 * 2. the user is denied: off;
 * 3. the flag is switched off (`enabled` false, what `stridesync flags off` sets): off for
 *    everyone, allow list included;
 * 4. the user is allowed: on;
 * 5. otherwise on for `percent` % of users, chosen by a stable hash of the flag and the user
 *    id: the same user stays in (or out) as long as the percentage does not fall below their
 *    bucket, and raising 5 → 25 → 100 only adds users.
 */

/** The flags the code reads. A provider's flag is `provider:<name>` (see `providerFlag`). */
export const FLAG_KEYS = {
  /** Strava's webhook events for the user are queued (else dropped, reason `flag_off`). */
  webhook: 'webhook',
  /** Reconcile syncs run for the user (scheduled and asked for). */
  reconcile: 'reconcile',
  /** Weather lookups for the user's runs (syncs and the backfill). */
  weather: 'weather-enrichment',
  /** Place lookups (city, country) for the user's runs. */
  places: 'place-enrichment',
  /** The scheduled incremental and reconcile syncs include the user. */
  periodicSyncs: 'periodic-syncs',
} as const;

/** The flag of a weather or place provider, by its ledger name: `provider:open-meteo`. */
export function providerFlag(provider: string): string {
  return `provider:${provider}`;
}

/** The flags every install knows, for `stridesync flags list` and the dashboard's answer. */
export const KNOWN_FLAGS: readonly string[] = [
  ...Object.values(FLAG_KEYS),
  ...['openweathermap', 'open-meteo', 'nominatim', 'offline'].map(providerFlag),
];

export interface FeatureFlag {
  key: string;
  enabled: boolean;
  /** 0 to 100. */
  rolloutPercent: number;
  allow: readonly string[];
  deny: readonly string[];
}

/** Whether `flag` (undefined: no row) is on for `userId`; the order is the module's comment. */
export function isFlagOn(flag: FeatureFlag | undefined, userId: string): boolean {
  if (!flag) return true;
  const user = userId.toLowerCase();
  if (flag.deny.some((id) => id.toLowerCase() === user)) return false;
  if (!flag.enabled) return false;
  if (flag.allow.some((id) => id.toLowerCase() === user)) return true;
  return rolloutBucket(flag.key, user) < flag.rolloutPercent * 100;
}

/**
 * The user's place in the flag's rollout, 0 to 9,999 (a hundredth of a percent each): FNV-1a
 * over `key:userId`, mixed by MurmurHash3's finaliser so that ids differing in one character
 * land far apart. Stable across processes and releases: never change it, or every rollout
 * reshuffles.
 */
export function rolloutBucket(key: string, userId: string): number {
  const text = `${key}:${userId.toLowerCase()}`;
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) % 10_000;
}
