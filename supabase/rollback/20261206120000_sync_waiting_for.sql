-- stridesync: destroys-data whose limit each parked sync waits for (sync_sessions.waiting_for; the sessions still resume at resume_at)
-- Undoes 20261206120000_sync_waiting_for: the broadcast and its trigger as 20261128202000 made
-- them, then the column goes.
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
      'cancelRequested', new.cancel_requested_at is not null
    ),
    'progress',
    'sync:' || new.user_id::text,
    true
  );
  return null;
end
$$;

drop trigger sync_sessions_broadcast_update on public.sync_sessions;
create trigger sync_sessions_broadcast_update after update on public.sync_sessions
  for each row
  when ((old.status, old.phase, old.activities_listed, old.activities_stored, old.activities_skipped,
         old.activities_enriched, old.resume_at, old.cancel_requested_at)
        is distinct from
        (new.status, new.phase, new.activities_listed, new.activities_stored, new.activities_skipped,
         new.activities_enriched, new.resume_at, new.cancel_requested_at))
  execute function public.broadcast_sync_progress();

alter table public.sync_sessions drop column waiting_for;
