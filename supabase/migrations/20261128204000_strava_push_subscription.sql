-- Strava's push subscription, as `stridesync strava subscribe` made it. Strava signs nothing it
-- POSTs to the webhook and athlete and activity ids are public, so the subscription id Strava
-- returned when it was made is what tells its events from forged ones: the webhook accepts an
-- event only when its `subscription_id` is this row's id. Strava allows one subscription per
-- application and stridesync serves one application, so the table holds at most one row.
create table public.strava_push_subscription (
  id bigint primary key,
  callback_url text not null,
  created_at timestamptz not null default now()
);
-- At most one row (the webhook reads the one subscription).
create unique index strava_push_subscription_one on public.strava_push_subscription ((true));

alter table public.strava_push_subscription enable row level security;
revoke all on public.strava_push_subscription from anon, authenticated;
grant all on public.strava_push_subscription to service_role;
