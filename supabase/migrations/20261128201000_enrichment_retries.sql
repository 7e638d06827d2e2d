-- Retry bookkeeping for weather and place enrichment. A run whose lookup failed is
-- `unavailable` with the reason; the enrichment and the scheduled backfill try it again once
-- `*_retry_at` has passed, backing off with `*_attempts` (15 min, 1 h, 4 h, … at most a week).
-- A run too recent for the weather archive stays `pending` with `weather_retry_at` set to the
-- moment the archive will hold its hour. Both are read through the existing partial indexes
-- (activities_weather_todo, activities_place_todo), which already hold only waiting runs.
alter table public.activities
  add column weather_attempts integer not null default 0 check (weather_attempts >= 0),
  add column weather_retry_at timestamptz,
  -- Why the run has no place: a provider failure (status `unavailable`, retried), or "no named
  -- place" (status `enriched` with no city: the provider's final answer, e.g. a start at sea).
  add column place_error text,
  add column place_attempts integer not null default 0 check (place_attempts >= 0),
  add column place_retry_at timestamptz;
