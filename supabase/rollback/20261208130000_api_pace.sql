-- stridesync: destroys-data the providers' shared pace slots (api_pace); harmless, the pace starts afresh
-- Undoes 20261208130000_api_pace.sql.
drop table if exists public.api_pace;
