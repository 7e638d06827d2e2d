/**
 * The words stridesync uses in code, logs and UI, and the vocabulary constants behind them.
 *
 * - connection: a user's link to Strava (athlete id, granted scopes, encrypted tokens).
 * - sync session: one run of the sync for one user, a `sync_sessions` row. Its kind says what it
 *   reads; its status says where it stands; its phase says how far it got.
 * - kind: `backfill` (whole history), `incremental` (since the newest stored run), `event` (one
 *   webhook event), `reconcile` (re-list a recent window to catch the edits and deletions Strava
 *   sends no webhook for).
 * - status: `queued` → `running` → `completed`, with `rate_limited` as a wait in between and
 *   `failed` / `cancelled` as the other ends. The allowed moves live in `sync-session.ts`.
 * - phase: `authenticating → fetching → enriching → finalizing`; only ever moves forward.
 * - slice: one bounded unit of reading (one page of 200 activities, one weather batch). Cancel
 *   and deadlines take effect at slice boundaries.
 * - cursor / checkpoint: the bookmark a session resumes from (start-date based, never a page
 *   number), saved in the same transaction as the rows it covers.
 * - ledger: the shared API budget (Strava's 15-minute and daily windows, weather daily caps),
 *   kept in Postgres so every worker spends one budget.
 * - enrichment status (per activity, for weather and for place): `pending` (not looked up yet),
 *   `enriched`, `unavailable` (provider down or out of budget; retried later), `not_applicable`
 *   (nothing to look up: no GPS, treadmill, virtual or manual).
 */

export const SYNC_KINDS = ['backfill', 'incremental', 'event', 'reconcile'] as const;
export type SyncKind = (typeof SYNC_KINDS)[number];

/** The kinds a person may start (the API, `stridesync sync`); `event` comes from Strava's webhook only. */
export const STARTABLE_SYNC_KINDS = [
  'backfill',
  'incremental',
  'reconcile',
] as const satisfies readonly SyncKind[];
export type StartableSyncKind = (typeof STARTABLE_SYNC_KINDS)[number];

export const SESSION_STATUSES = [
  'queued',
  'running',
  'rate_limited',
  'completed',
  'failed',
  'cancelled',
] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** A user has at most one session in these statuses (a partial unique index enforces it). */
export const ACTIVE_SESSION_STATUSES = ['queued', 'running', 'rate_limited'] as const;
export type ActiveSessionStatus = (typeof ACTIVE_SESSION_STATUSES)[number];

/** No transition leaves these. */
export const TERMINAL_SESSION_STATUSES = ['completed', 'failed', 'cancelled'] as const;
export type TerminalSessionStatus = (typeof TERMINAL_SESSION_STATUSES)[number];

export const SYNC_PHASES = ['authenticating', 'fetching', 'enriching', 'finalizing'] as const;
export type SyncPhase = (typeof SYNC_PHASES)[number];

export const ENRICHMENT_STATUSES = [
  'pending',
  'enriched',
  'unavailable',
  'not_applicable',
] as const;
export type EnrichmentStatus = (typeof ENRICHMENT_STATUSES)[number];

/** The Strava `sport_type`s kept by default; configurable per deployment. */
export const DEFAULT_RUN_SPORT_TYPES = ['Run', 'TrailRun', 'VirtualRun'] as const;
