-- Live progress. Every meaningful change of a sync session is broadcast on the private topic
-- `sync:<user id>`: by Supabase Realtime in production, by the local stand-in's pg_notify
-- (turned into Server-Sent Events by the server) elsewhere. The payload is small on purpose
-- (NOTIFY carries at most 8000 bytes): ids, status and counters; clients read the rest.
-- Lease renewals (every slice) change nothing a runner sees, so they do not broadcast.
create function public.broadcast_sync_progress() returns trigger
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
revoke execute on function public.broadcast_sync_progress() from public, anon, authenticated;

create trigger sync_sessions_broadcast_insert after insert on public.sync_sessions
  for each row execute function public.broadcast_sync_progress();
create trigger sync_sessions_broadcast_update after update on public.sync_sessions
  for each row
  when ((old.status, old.phase, old.activities_listed, old.activities_stored, old.activities_skipped,
         old.activities_enriched, old.resume_at, old.cancel_requested_at)
        is distinct from
        (new.status, new.phase, new.activities_listed, new.activities_stored, new.activities_skipped,
         new.activities_enriched, new.resume_at, new.cancel_requested_at))
  execute function public.broadcast_sync_progress();

-- A user may subscribe to their own progress topic only.
create policy sync_progress_own_topic on realtime.messages
  for select to authenticated
  using (realtime.topic() = 'sync:' || (select auth.uid())::text and extension = 'broadcast');
