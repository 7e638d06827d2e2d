-- Feature flags read by the server (src/store/feature-flags.ts): users always let in and always
-- kept out of a flag's rollout. Runners may read the flags (the dashboard hides what a flag turns
-- off), but not these lists, which name other users: the column grant below leaves them out.
alter table public.feature_flags
  add column allow_users uuid[] not null default '{}',
  add column deny_users uuid[] not null default '{}';

revoke select on public.feature_flags from authenticated;
grant select (key, enabled, rollout_percent, description, updated_at)
  on public.feature_flags to authenticated;
