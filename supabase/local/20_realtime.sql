-- A stand-in for Supabase Realtime's `realtime.send`: where Supabase broadcasts to subscribed
-- browsers, this sends a NOTIFY on channel `realtime` with the topic, event and payload as JSON.
-- The local server LISTENs and streams it as Server-Sent Events. NOTIFY payloads are capped at
-- 8000 bytes, so keep broadcasts small (ids and counters, not rows).
create schema if not exists realtime;
grant usage on schema realtime to anon, authenticated, service_role;

do $$
begin
  if to_regprocedure('realtime.send(jsonb, text, text, boolean)') is null then
    create function realtime.send(payload jsonb, event text, topic text, private boolean default true)
    returns void language sql volatile as $f$
      select pg_notify(
        'realtime',
        json_build_object('topic', topic, 'event', event, 'payload', payload, 'private', private)::text
      )
    $f$;
  end if;
end
$$;
