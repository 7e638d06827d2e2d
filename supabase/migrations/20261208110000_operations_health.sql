-- What an operator watches, shared by every process (workers, Netlify functions, the local
-- server): each external API's last success, last error and circuit; counters the metrics
-- endpoint serves at scrape time; alert incidents, so several workers notify once per incident;
-- and a finished sync's warning (completed, but e.g. the weather provider is misconfigured).

-- One row per external API by its ledger name (strava, openweathermap, open-meteo, nominatim).
create table public.provider_health (
  provider text primary key,
  last_success_at timestamptz,
  last_failure_at timestamptz,
  -- config (the operator must act), transient, rate_limited
  last_error_class text check (last_error_class in ('config', 'transient', 'rate_limited')),
  last_error_code text,
  last_error_message text,
  -- A breaker opened in some process: calls there are refused until this instant.
  circuit_open_until timestamptz,
  updated_at timestamptz not null default now()
);

-- Monotonic counters (Prometheus `_total`, histogram `_bucket`/`_sum`/`_count`), by metric name
-- and its rendered label set, e.g. provider="strava",status="2xx". Added to, never reset.
create table public.ops_counters (
  name text not null,
  labels text not null default '',
  value double precision not null default 0 check (value >= 0),
  updated_at timestamptz not null default now(),
  primary key (name, labels)
);

-- One row per alert condition (e.g. provider_config_error:open-meteo): open while resolved_at is
-- null. Opening and resolving are guarded in SQL, so of several workers one notifies.
create table public.alert_incidents (
  key text primary key,
  summary text not null,
  opened_at timestamptz not null,
  resolved_at timestamptz,
  updated_at timestamptz not null default now()
);

-- A completed sync that left something undone the operator must fix (runs without weather).
alter table public.sync_sessions
  add column warning_code text,
  add column warning_message text;

alter table public.provider_health enable row level security;
alter table public.ops_counters enable row level security;
alter table public.alert_incidents enable row level security;
revoke all on public.provider_health, public.ops_counters, public.alert_incidents
  from anon, authenticated;
grant all on public.provider_health, public.ops_counters, public.alert_incidents to service_role;
-- provider_health, ops_counters and alert_incidents have no policy: only the service role reads them.
