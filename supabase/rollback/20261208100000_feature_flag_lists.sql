-- stridesync: destroys-data the feature flags' allow and deny lists (note them first with `stridesync flags list` to set them again)
-- Undoes 20261208100000_feature_flag_lists.sql.
revoke select (key, enabled, rollout_percent, description, updated_at)
  on public.feature_flags from authenticated;
grant select on public.feature_flags to authenticated;

alter table public.feature_flags
  drop column allow_users,
  drop column deny_users;
