-- set_updated_at() ran with the caller's search_path: a role able to create objects in a schema
-- earlier on that path could shadow what the trigger calls (Supabase's database linter flags it
-- as function_search_path_mutable). It now runs with an empty path and names everything it uses
-- in full. `create or replace` keeps the function's oid, so the triggers that use it stay.
create or replace function public.set_updated_at() returns trigger
language plpgsql set search_path = '' as $$
begin
  new.updated_at := pg_catalog.now();
  return new;
end
$$;
