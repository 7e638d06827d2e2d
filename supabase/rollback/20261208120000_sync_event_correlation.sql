-- Undoes 20261208120000_sync_event_correlation.sql: the timeline's events lose their copy of the
-- session's correlation id (the session keeps it).
alter table public.sync_events drop column correlation_id;
