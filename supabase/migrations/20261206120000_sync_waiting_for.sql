-- What a parked sync waits for. A session in `rate_limited` resumes at `resume_at`; this names
-- whose window it waits for: `strava`, or the enrichment provider whose limit is spent
-- (`nominatim`, `openweathermap`, `open-meteo`), so the dashboard, the CLI and the timeline can
-- say "waiting for OpenStreetMap's limit, about 40 s" instead of a paused bar. Set with the park,
-- cleared when a worker claims the session again.
alter table public.sync_sessions add column waiting_for text;

-- The live progress broadcast carries it, and a change of it alone is news to a runner.
create or replace function public.broadcast_sync_progress() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  perform realtime.send(
    jsonb_build_object(
      'sessionId', new.id,
      'status', new.status,
      'phase', new.phase,
      'listed', new.activities_listed,
      'stored', new.activities_stored,
      'skipped', new.activities_skipped,
      'enriched', new.activities_enriched,
      'resumeAt', new.resume_at,
      'waitingFor', new.waiting_for,
      'cancelRequested', new.cancel_requested_at is not null
    ),
    'progress',
    'sync:' || new.user_id::text,
    true
  );
  return null;
end
$$;
revoke execute on function public.broadcast_sync_progress() from public, anon, authenticated;

drop trigger sync_sessions_broadcast_update on public.sync_sessions;
create trigger sync_sessions_broadcast_update after update on public.sync_sessions
  for each row
  when ((old.status, old.phase, old.activities_listed, old.activities_stored, old.activities_skipped,
         old.activities_enriched, old.resume_at, old.waiting_for, old.cancel_requested_at)
        is distinct from
        (new.status, new.phase, new.activities_listed, new.activities_stored, new.activities_skipped,
         new.activities_enriched, new.resume_at, new.waiting_for, new.cancel_requested_at))
  execute function public.broadcast_sync_progress();
