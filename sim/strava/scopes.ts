import { SCOPES, type Scope, type SimActivity } from './types.ts';

/**
 * Strava's scope rules, as its authentication docs state them. The granted list always holds
 * `read`: the consent page does not let the athlete untick it.
 */
export function parseScopeList(
  text: string | undefined,
): { ok: true; scopes: Scope[] } | { ok: false; bad: string } {
  const names = (text ?? 'read')
    .split(/[,\s]+/)
    .map((name) => name.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!(SCOPES as readonly string[]).includes(name)) return { ok: false, bad: name };
  }
  return { ok: true, scopes: normalizeScopes(names as Scope[]) };
}

/** Unique, in Strava's canonical order, `read` always first. */
export function normalizeScopes(scopes: readonly Scope[]): Scope[] {
  const set = new Set<Scope>(['read', ...scopes]);
  return SCOPES.filter((scope) => set.has(scope));
}

/** What the athlete ends up granting: the request, narrowed to `allowed` when they untick boxes. */
export function grantedScopes(requested: readonly Scope[], allowed?: readonly Scope[]): Scope[] {
  if (!allowed) return normalizeScopes(requested);
  return normalizeScopes(requested.filter((scope) => allowed.includes(scope)));
}

/** activity:read or activity:read_all: needed for any activity endpoint. */
export function canReadActivities(scopes: readonly Scope[]): boolean {
  return scopes.includes('activity:read') || scopes.includes('activity:read_all');
}

/** `only_me` activities need activity:read_all; Everyone and Followers need activity:read. */
export function canSeeActivity(scopes: readonly Scope[], activity: SimActivity): boolean {
  if (!canReadActivities(scopes)) return false;
  return activity.visibility !== 'only_me' || scopes.includes('activity:read_all');
}
