-- Undoes 20261208130000_api_pace.sql.
drop table if exists public.api_pace;
