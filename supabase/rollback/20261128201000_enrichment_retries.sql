-- stridesync: destroys-data the retry bookkeeping of weather and place lookups (attempts, next retry, the place error): waiting runs are retried at once, without their back-off
-- Undoes 20261128201000_enrichment_retries.
alter table public.activities
  drop column weather_attempts,
  drop column weather_retry_at,
  drop column place_error,
  drop column place_attempts,
  drop column place_retry_at;
