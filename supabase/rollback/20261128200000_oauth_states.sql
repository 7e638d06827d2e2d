-- stridesync: destroys-data Strava connect attempts in flight (each lives ten minutes; a runner mid-connect starts again)
-- Undoes 20261128200000_oauth_states.
drop table public.oauth_states;
