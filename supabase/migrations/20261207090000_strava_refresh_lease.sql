-- Single-flight token refresh without holding a lock across the call to Strava: the worker that
-- refreshes takes a lease on the connection row (who, until when) in a short transaction, calls
-- Strava with no transaction open, commits the rotated tokens in another short transaction and
-- clears the lease. Others wait for the lease to clear (or lapse) and read the new tokens.
alter table public.strava_connections
  add column refresh_owner text,
  add column refresh_until timestamptz;

comment on column public.strava_connections.refresh_owner is
  'Who is refreshing the tokens now (token-manager.ts); null when nobody is.';
comment on column public.strava_connections.refresh_until is
  'When the refresh lease lapses if its owner never clears it (a crashed worker).';
