-- stridesync: destroys-data the id of Strava's push subscription (re-applying leaves it unknown: run `stridesync strava unsubscribe` and `subscribe` again)
-- Undoes 20261128204000_strava_push_subscription.
drop table public.strava_push_subscription;
