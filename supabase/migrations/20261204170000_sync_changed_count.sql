-- How many of the runs a sync stored were new or changed at Strava. `activities_stored` counts
-- every run a slice stored or kept (what progress measures against the athlete's total); an
-- incremental sync re-reads its overlap window, so it "stores" unchanged runs too. This count is
-- what a runner means by "the sync brought n runs": zero for a sync that found nothing new.
alter table public.sync_sessions
  add column activities_changed integer not null default 0 check (activities_changed >= 0);
