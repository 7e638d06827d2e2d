-- Who may read and write what. Supabase grants every API role everything in `public` by
-- default and leaves protection to RLS; here both layers say the same thing:
-- - `authenticated` reads only its own rows and writes nothing (writes go through the server,
--   which uses the service role);
-- - `anon` reads and writes nothing;
-- - `service_role` (bypassrls) does everything;
-- - nobody but the service role can read token columns.

alter table public.strava_connections enable row level security;
alter table public.sync_sessions enable row level security;
alter table public.sync_events enable row level security;
alter table public.activities enable row level security;
alter table public.api_budget enable row level security;
alter table public.weather_cache enable row level security;
alter table public.place_cache enable row level security;
alter table public.feature_flags enable row level security;

revoke all on all tables in schema public from anon, authenticated;
revoke all on all sequences in schema public from anon, authenticated;
grant all on all tables in schema public to service_role;
grant all on all sequences in schema public to service_role;

grant select on public.sync_sessions, public.sync_events, public.activities, public.feature_flags
  to authenticated;
-- Column grant: every column but the encrypted tokens.
grant select (user_id, athlete_id, scopes, expires_at, athlete, connected_at, revoked_at,
              revoked_reason, created_at, updated_at)
  on public.strava_connections to authenticated;

-- `(select auth.uid())` is evaluated once per statement, not once per row.
create policy strava_connections_select_own on public.strava_connections
  for select to authenticated using ((select auth.uid()) = user_id);
create policy sync_sessions_select_own on public.sync_sessions
  for select to authenticated using ((select auth.uid()) = user_id);
create policy sync_events_select_own on public.sync_events
  for select to authenticated using ((select auth.uid()) = user_id);
create policy activities_select_own on public.activities
  for select to authenticated using ((select auth.uid()) = user_id);
create policy feature_flags_select on public.feature_flags
  for select to authenticated using (true);
-- api_budget, weather_cache and place_cache have no policy: only the service role reads them.
