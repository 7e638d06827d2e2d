-- stridesync's tables. Conventions: ids from Strava are bigint; times are timestamptz in UTC,
-- except a run's local wall time (timestamp without time zone); measurements are SI with the
-- unit in the column name. Each index says which query it serves.

create function public.set_updated_at() returns trigger language plpgsql as $$
begin
  new.updated_at := now();
  return new;
end
$$;

-- A user's link to Strava. Tokens are AES-256-GCM ciphertext (base64 of iv ‖ tag ‖ data) under
-- the key `token_key_version`; they are deleted, not kept, when the connection is revoked.
create table public.strava_connections (
  user_id uuid primary key references auth.users (id) on delete cascade,
  -- unique: one stridesync user per Strava athlete; also serves webhook events, which name
  -- only the athlete (`owner_id`).
  athlete_id bigint not null unique,
  scopes text[] not null default '{}',
  access_token_enc text,
  refresh_token_enc text,
  token_key_version integer,
  expires_at timestamptz,
  athlete jsonb,
  connected_at timestamptz not null default now(),
  revoked_at timestamptz,
  revoked_reason text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint strava_connections_tokens_or_revoked check (
    revoked_at is not null
    or (access_token_enc is not null and refresh_token_enc is not null
        and token_key_version is not null and expires_at is not null)
  )
);
create trigger strava_connections_updated_at before update on public.strava_connections
  for each row execute function public.set_updated_at();

create table public.sync_sessions (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  kind text not null check (kind in ('backfill', 'incremental', 'event', 'reconcile')),
  status text not null default 'queued'
    check (status in ('queued', 'running', 'rate_limited', 'completed', 'failed', 'cancelled')),
  phase text check (phase in ('authenticating', 'fetching', 'enriching', 'finalizing')),
  activities_listed integer not null default 0 check (activities_listed >= 0),
  activities_stored integer not null default 0 check (activities_stored >= 0),
  activities_skipped integer not null default 0 check (activities_skipped >= 0),
  activities_enriched integer not null default 0 check (activities_enriched >= 0),
  weather_unavailable integer not null default 0 check (weather_unavailable >= 0),
  total_estimate integer check (total_estimate >= 0),
  skipped_reasons jsonb not null default '{}'::jsonb,
  -- The bookmark, written in the same transaction as the rows it covers.
  checkpoint jsonb,
  -- For `event` sessions: the webhook event being applied.
  input jsonb,
  error_code text,
  error_message text,
  error_hint text,
  error_failure_type text check (error_failure_type in ('config', 'transient', 'system')),
  lease_owner text,
  lease_expires_at timestamptz,
  cancel_requested_at timestamptz,
  resume_at timestamptz,
  correlation_id text not null,
  started_at timestamptz,
  finished_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint sync_sessions_rate_limited_has_resume_at check (status <> 'rate_limited' or resume_at is not null)
);
create trigger sync_sessions_updated_at before update on public.sync_sessions
  for each row execute function public.set_updated_at();

-- One active session per user: the database decides, so two clicks or two tabs racing get one
-- session; `POST /api/syncs` hands the loser the active one. Also serves "the active session".
create unique index sync_sessions_one_active_per_user on public.sync_sessions (user_id)
  where status in ('queued', 'running', 'rate_limited');
-- GET /api/syncs: a user's recent sessions, newest first.
create index sync_sessions_user_recent on public.sync_sessions (user_id, created_at desc);
-- Workers taking over sessions whose lease expired (a crashed worker).
create index sync_sessions_expired_leases on public.sync_sessions (lease_expires_at)
  where status = 'running';
-- The scheduler waking sessions parked until their rate-limit window resets.
create index sync_sessions_due_resumes on public.sync_sessions (resume_at)
  where status = 'rate_limited';

-- A session's timeline (`stridesync inspect`, the dashboard's history).
create table public.sync_events (
  id bigint generated always as identity primary key,
  session_id uuid not null references public.sync_sessions (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  type text not null,
  payload jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);
-- The timeline of one session, in order.
create index sync_events_session on public.sync_events (session_id, id);

create table public.activities (
  id bigint primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  athlete_id bigint not null,
  name text not null,
  sport_type text not null,
  start_date timestamptz not null,
  start_date_local timestamp not null,
  timezone text,
  utc_offset_s integer,
  distance_m double precision not null check (distance_m >= 0),
  moving_time_s integer not null check (moving_time_s >= 0),
  elapsed_time_s integer not null check (elapsed_time_s >= 0),
  total_elevation_gain_m double precision,
  elev_high_m double precision,
  elev_low_m double precision,
  average_speed_mps double precision check (average_speed_mps >= 0),
  max_speed_mps double precision check (max_speed_mps >= 0),
  average_heartrate_bpm double precision,
  max_heartrate_bpm double precision,
  average_cadence_rpm double precision,
  start_lat double precision check (start_lat between -90 and 90),
  start_lng double precision check (start_lng between -180 and 180),
  end_lat double precision check (end_lat between -90 and 90),
  end_lng double precision check (end_lng between -180 and 180),
  summary_polyline text,
  is_manual boolean not null default false,
  is_trainer boolean not null default false,
  is_commute boolean not null default false,
  is_private boolean not null default false,
  -- Where the run started, from reverse geocoding of its start coordinates (never Strava's
  -- `location_country`, which is the athlete's profile country).
  city text,
  state text,
  country text,
  country_code text,
  place_provider text,
  place_status text not null default 'pending'
    check (place_status in ('pending', 'enriched', 'unavailable', 'not_applicable')),
  -- Weather at the run's midpoint (start + elapsed/2) at its start coordinates, in SI units.
  weather_status text not null default 'pending'
    check (weather_status in ('pending', 'enriched', 'unavailable', 'not_applicable')),
  weather_error text,
  weather_provider text,
  weather_requested_at timestamptz,
  weather_observed_at timestamptz,
  weather_grid_lat double precision,
  weather_grid_lng double precision,
  temperature_c double precision,
  feels_like_c double precision,
  dew_point_c double precision,
  humidity_pct double precision check (humidity_pct between 0 and 100),
  pressure_hpa double precision,
  wind_speed_mps double precision check (wind_speed_mps >= 0),
  wind_gust_mps double precision check (wind_gust_mps >= 0),
  wind_deg double precision check (wind_deg between 0 and 360),
  precipitation_mm double precision check (precipitation_mm >= 0),
  cloud_cover_pct double precision check (cloud_cover_pct between 0 and 100),
  visibility_m double precision check (visibility_m >= 0),
  weather_code integer,
  weather_description text,
  weather_icon text,
  quality_flags text[] not null default '{}',
  -- Strava's SummaryActivity as received, for reprocessing without another API call.
  strava_summary jsonb not null,
  deleted_at timestamptz,
  synced_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create trigger activities_updated_at before update on public.activities
  for each row execute function public.set_updated_at();

-- GET /api/activities (cursor on start_date, id; newest first), charts over a user's history,
-- and the incremental sync's "newest stored start".
create index activities_user_start on public.activities (user_id, start_date desc, id desc)
  where deleted_at is null;
-- Enrichment and the weather backfill: runs still waiting for weather, oldest first.
create index activities_weather_todo on public.activities (start_date)
  where weather_status in ('pending', 'unavailable') and deleted_at is null;
-- Place enrichment: runs still waiting for a city/state/country.
create index activities_place_todo on public.activities (start_date)
  where place_status in ('pending', 'unavailable') and deleted_at is null;

-- The shared API budget. One row per provider, bucket and window: Strava's limits belong to
-- the application, so every worker, function and machine reserves from these rows.
create table public.api_budget (
  provider text not null,
  -- e.g. 'overall:15min', 'overall:daily', 'read:15min', 'read:daily', 'calls:daily'
  bucket text not null,
  window_start timestamptz not null,
  window_end timestamptz not null check (window_end > window_start),
  limit_count integer not null check (limit_count >= 0),
  used_count integer not null default 0 check (used_count >= 0),
  updated_at timestamptz not null default now(),
  primary key (provider, bucket, window_start)
);

-- Weather is not personal: one observation serves every runner in the same ~0.1° cell and UTC
-- hour. The primary key serves the cache lookup.
create table public.weather_cache (
  lat_cell integer not null, -- round(lat * 10)
  lng_cell integer not null, -- round(lng * 10)
  hour_utc timestamptz not null,
  provider text not null,
  grid_lat double precision,
  grid_lng double precision,
  observation jsonb not null,
  fetched_at timestamptz not null default now(),
  primary key (lat_cell, lng_cell, hour_utc, provider)
);

-- Places by ~1 km cell: runners start from the same doorsteps and parks.
create table public.place_cache (
  lat_cell integer not null, -- round(lat * 100)
  lng_cell integer not null, -- round(lng * 100)
  provider text not null,
  city text,
  state text,
  country text,
  country_code text,
  raw jsonb,
  fetched_at timestamptz not null default now(),
  primary key (lat_cell, lng_cell, provider)
);

create table public.feature_flags (
  key text primary key,
  enabled boolean not null default false,
  rollout_percent smallint not null default 0 check (rollout_percent between 0 and 100),
  description text,
  updated_at timestamptz not null default now()
);
create trigger feature_flags_updated_at before update on public.feature_flags
  for each row execute function public.set_updated_at();
