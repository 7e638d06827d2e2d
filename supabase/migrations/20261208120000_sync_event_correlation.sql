-- Every timeline event names the correlation id of its session, so an operator given that id
-- finds the events with the log lines: `select * from sync_events where correlation_id = '…'`.
alter table public.sync_events add column correlation_id text;

update public.sync_events e
   set correlation_id = s.correlation_id
  from public.sync_sessions s
 where s.id = e.session_id;

alter table public.sync_events alter column correlation_id set not null;
