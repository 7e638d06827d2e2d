-- Undoes 20261128190100_row_level_security: the policies go, row level security is off, and the
-- API roles get back what Supabase grants them in `public` by default (everything), which the
-- migration had revoked.
drop policy strava_connections_select_own on public.strava_connections;
drop policy sync_sessions_select_own on public.sync_sessions;
drop policy sync_events_select_own on public.sync_events;
drop policy activities_select_own on public.activities;
drop policy feature_flags_select on public.feature_flags;

revoke select (user_id, athlete_id, scopes, expires_at, athlete, connected_at, revoked_at,
               revoked_reason, created_at, updated_at)
  on public.strava_connections from authenticated;
grant all on public.strava_connections, public.sync_sessions, public.sync_events,
  public.activities, public.api_budget, public.weather_cache, public.place_cache,
  public.feature_flags to anon, authenticated;
grant all on sequence public.sync_events_id_seq to anon, authenticated;

alter table public.strava_connections disable row level security;
alter table public.sync_sessions disable row level security;
alter table public.sync_events disable row level security;
alter table public.activities disable row level security;
alter table public.api_budget disable row level security;
alter table public.weather_cache disable row level security;
alter table public.place_cache disable row level security;
alter table public.feature_flags disable row level security;
