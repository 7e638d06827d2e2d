-- stridesync: destroys-data the operator's figures: each API's last success and error, the metrics counters (they restart at zero), open alert incidents, and sync sessions' warnings
-- Undoes 20261208110000_operations_health.
alter table public.sync_sessions
  drop column warning_code,
  drop column warning_message;
drop table public.alert_incidents;
drop table public.ops_counters;
drop table public.provider_health;
