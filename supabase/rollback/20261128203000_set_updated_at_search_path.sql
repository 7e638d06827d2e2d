-- Undoes 20261128203000_set_updated_at_search_path: set_updated_at() as 20261128190000 made it,
-- running with the caller's search_path again. `create or replace` keeps the triggers using it.
create or replace function public.set_updated_at() returns trigger language plpgsql as $$
begin
  new.updated_at := now();
  return new;
end
$$;
