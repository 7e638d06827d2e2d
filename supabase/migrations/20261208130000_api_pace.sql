-- One pace per provider, shared by every job, function and process: the next instant a call to
-- that provider may be sent. A caller takes the slot (the row's value) and moves it one interval
-- on, in one statement (request-pacer.ts), so racing callers get successive slots instead of
-- arriving together. Only the service role reads or writes it.
create table public.api_pace (
  provider text primary key,
  next_slot_at timestamptz not null,
  -- The latest answer: a waiter whose slot comes less than an interval after it waits on, so a
  -- request that reached the provider late and one sent on time never arrive inside an interval.
  answered_at timestamptz,
  updated_at timestamptz not null default now()
);

alter table public.api_pace enable row level security;
revoke all on public.api_pace from anon, authenticated;
grant all on public.api_pace to service_role;

comment on table public.api_pace is
  'The next free request slot of each provider (request-pacer.ts): one pace across processes.';
