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

-- Supabase keeps broadcast messages in `realtime.messages` and authorizes private channels with
-- RLS policies on it, reading the channel's topic through `realtime.topic()`. The stand-ins let
-- the migrations' policies be created (and tested) where Supabase is absent.
create table if not exists realtime.messages (
  id uuid not null default gen_random_uuid(),
  topic text not null,
  extension text not null default 'broadcast',
  payload jsonb,
  event text,
  private boolean default true,
  inserted_at timestamp not null default now(),
  updated_at timestamp not null default now(),
  primary key (id, inserted_at)
);
alter table realtime.messages enable row level security;
grant select, insert on realtime.messages to authenticated;

do $$
begin
  if to_regprocedure('realtime.topic()') is null then
    create function realtime.topic() returns text language sql stable as $f$
      select nullif(current_setting('realtime.topic', true), '')::text
    $f$;
  end if;
end
$$;
grant execute on function realtime.topic() to anon, authenticated, service_role;
