-- Undoes 20261209120000_activity_list_indexes.sql. An index only: nothing stored is lost.
drop index if exists public.activities_user_distance;
