-- stridesync: destroys-data token refresh leases in flight (held for seconds; a worker mid-refresh may refresh a second time)
-- Undoes 20261207090000_strava_refresh_lease.
alter table public.strava_connections
  drop column refresh_owner,
  drop column refresh_until;
