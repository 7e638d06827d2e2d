-- Undoes 20261208110000_operations_health.sql.
alter table public.sync_sessions
  drop column warning_code,
  drop column warning_message;
drop table public.alert_incidents;
drop table public.ops_counters;
drop table public.provider_health;
