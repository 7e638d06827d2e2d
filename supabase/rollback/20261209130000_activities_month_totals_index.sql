-- Undoes 20261209130000_activities_month_totals_index.sql.
drop index if exists public.activities_user_month_totals;
