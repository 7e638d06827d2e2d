-- stridesync: destroys-data every table of stridesync and all it holds: runs with their weather and place, Strava connections and their tokens, sync sessions and their timelines, the API budget, the weather and place caches, the feature flags
-- Undoes 20261128190000_sync_schema: the tables, their triggers and indexes, and set_updated_at().
drop table public.activities;
drop table public.sync_events;
drop table public.sync_sessions;
drop table public.strava_connections;
drop table public.api_budget;
drop table public.weather_cache;
drop table public.place_cache;
drop table public.feature_flags;
drop function public.set_updated_at();
