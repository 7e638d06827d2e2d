-- Undoes 20261208100000_feature_flag_lists.sql. The allow and deny lists are lost: note them
-- first (`stridesync flags list`) if they are to be set again.
revoke select (key, enabled, rollout_percent, description, updated_at)
  on public.feature_flags from authenticated;
grant select on public.feature_flags to authenticated;

alter table public.feature_flags
  drop column allow_users,
  drop column deny_users;
