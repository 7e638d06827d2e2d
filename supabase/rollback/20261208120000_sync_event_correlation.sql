-- stridesync: destroys-data the timeline events' copy of their session's correlation id (the sessions keep it; migrating up again copies it back)
-- Undoes 20261208120000_sync_event_correlation.sql.
alter table public.sync_events drop column correlation_id;
