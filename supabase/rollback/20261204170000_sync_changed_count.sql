-- stridesync: destroys-data how many new or changed runs each sync brought (sync_sessions.activities_changed)
-- Undoes 20261204170000_sync_changed_count.
alter table public.sync_sessions drop column activities_changed;
