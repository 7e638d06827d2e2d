-- One row per Strava connect attempt in flight: the callback consumes it (delete … returning),
-- so a state can be used once. Rows of abandoned attempts expire after ten minutes; the connect
-- route removes expired ones as it adds new ones.
create table public.oauth_states (
  nonce text primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  expires_at timestamptz not null,
  created_at timestamptz not null default now()
);
-- The connect route's clean-up of expired attempts.
create index oauth_states_expiry on public.oauth_states (expires_at);

alter table public.oauth_states enable row level security;
revoke all on public.oauth_states from anon, authenticated;
grant all on public.oauth_states to service_role;
