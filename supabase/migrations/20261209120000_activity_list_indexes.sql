-- GET /api/activities sorted by distance (sort=longest|shortest), paged by (distance_m, id).
-- EXPLAIN on 20 users × 3,000 runs, a page of 51: without it, Bitmap Index Scan on
-- activities_user_start → Sort of all 3,000 of the user's rows → Limit (cost 1,800); with it,
-- Index Only Scan [Backward] on activities_user_distance → Limit, the cursor in the Index Cond
-- (cost 115 to 130), both ways. Sorting by start (newest, oldest) and every filter already ride
-- activities_user_start; a text search filters the user's rows read through either index.
create index activities_user_distance on public.activities (user_id, distance_m desc, id desc)
  where deleted_at is null;
