-- Undoes 20261128202000_realtime_progress: no more progress broadcasts, and the policy on
-- realtime.messages goes (Supabase's own table stays).
drop policy sync_progress_own_topic on realtime.messages;
drop trigger sync_sessions_broadcast_update on public.sync_sessions;
drop trigger sync_sessions_broadcast_insert on public.sync_sessions;
drop function public.broadcast_sync_progress();
