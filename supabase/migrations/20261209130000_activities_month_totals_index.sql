-- GET /api/activities/stats, monthly totals (monthlyActivityTotals in src/store/activity-store.ts):
-- every live run of one user, summed by local month. Through activities_user_start that query
-- reads one heap page per run, since a runner's runs are spread over the table among everyone
-- else's (10,000 pages for 10,000 runs in bench B6, docs/benchmarks.md). This index carries
-- every column the query reads, so it is answered by an index-only scan of the runner's few
-- index pages.
create index activities_user_month_totals on public.activities
  (user_id, start_date_local) include (distance_m, moving_time_s, quality_flags)
  where deleted_at is null;
