import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Queryable } from '../../src/store/database.ts';

const run = promisify(execFile);

/**
 * A database's schema read from its catalog, for comparing two databases (or one database at two
 * moments) on both adapters: PGlite has no pg_dump. Every section is a sorted list of lines
 * without oids, and access lists are sorted, so two equal schemas give equal dumps whatever order
 * they were built in. The migration history (`supabase_migrations`) is left out: callers compare
 * the applied versions themselves.
 *
 * Besides the user schemas it lists what is server- or database-wide and could outlive a rollback:
 * roles, extensions, publications (Supabase Realtime's), event triggers, default privileges.
 */
export type SchemaDump = Record<string, string[]>;

const USER_SCHEMAS = `not in ('pg_catalog', 'information_schema', 'pg_toast', 'supabase_migrations')
  and n.nspname not like 'pg_temp_%' and n.nspname not like 'pg_toast_temp_%'`;
const SORTED_ACL = (column: string) =>
  `coalesce((select string_agg(a::text, ',' order by a::text) from unnest(${column}) a), '')`;

const SECTIONS: Record<string, string> = {
  schemas: `select n.nspname || ' owner=' || pg_get_userbyid(n.nspowner) || ' acl=' || ${SORTED_ACL('n.nspacl')}
    from pg_namespace n where n.nspname ${USER_SCHEMAS}`,
  relations: `select n.nspname || '.' || c.relname || ' kind=' || c.relkind::text
      || ' rls=' || c.relrowsecurity || ' force=' || c.relforcerowsecurity
      || ' options=' || coalesce(array_to_string(c.reloptions, ','), '')
      || ' acl=' || ${SORTED_ACL('c.relacl')}
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname ${USER_SCHEMAS} and c.relkind <> 'i'`,
  columns: `select n.nspname || '.' || c.relname || ' #' || row_number() over (partition by c.oid order by a.attnum)
      || ' ' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
      || ' notnull=' || a.attnotnull || ' identity=' || a.attidentity::text || ' generated=' || a.attgenerated::text
      || ' default=' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
      || ' collation=' || coalesce(a.attcollation::regcollation::text, '')
      || ' acl=' || ${SORTED_ACL('a.attacl')}
    from pg_attribute a
    join pg_class c on c.oid = a.attrelid
    join pg_namespace n on n.oid = c.relnamespace
    left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
    where n.nspname ${USER_SCHEMAS} and c.relkind in ('r', 'p', 'v', 'm', 'f')
      and a.attnum > 0 and not a.attisdropped`,
  constraints: `select n.nspname || '.' || c.relname || ' ' || k.conname || ' ' || pg_get_constraintdef(k.oid)
    from pg_constraint k
    join pg_class c on c.oid = k.conrelid
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname ${USER_SCHEMAS}`,
  indexes: `select schemaname || '.' || indexname || ' ' || indexdef from pg_indexes n
    where n.schemaname ${USER_SCHEMAS.replaceAll('n.nspname', 'n.schemaname')}`,
  policies: `select n.schemaname || '.' || n.tablename || ' ' || n.policyname || ' ' || n.permissive
      || ' ' || array_to_string(n.roles, ',') || ' ' || n.cmd
      || ' using=' || coalesce(n.qual, '') || ' check=' || coalesce(n.with_check, '')
    from pg_policies n where n.schemaname ${USER_SCHEMAS.replaceAll('n.nspname', 'n.schemaname')}`,
  functions: `select pg_get_functiondef(p.oid) || ' owner=' || pg_get_userbyid(p.proowner)
      || ' acl=' || ${SORTED_ACL('p.proacl')}
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname ${USER_SCHEMAS} and p.prokind in ('f', 'p')`,
  triggers: `select pg_get_triggerdef(t.oid) || ' enabled=' || t.tgenabled::text
    from pg_trigger t
    join pg_class c on c.oid = t.tgrelid
    join pg_namespace n on n.oid = c.relnamespace
    where n.nspname ${USER_SCHEMAS} and not t.tgisinternal`,
  types: `select n.nspname || '.' || t.typname || ' type=' || t.typtype::text
    from pg_type t join pg_namespace n on n.oid = t.typnamespace
    where n.nspname ${USER_SCHEMAS} and t.typtype in ('e', 'd', 'r', 'm', 'c')
      and (t.typrelid = 0 or (select relkind from pg_class where oid = t.typrelid) = 'c')`,
  comments: `select n.nspname || '.' || c.relname || coalesce('.' || a.attname, '') || ' ' || d.description
    from pg_description d
    join pg_class c on c.oid = d.objoid and d.classoid = 'pg_class'::regclass
    join pg_namespace n on n.oid = c.relnamespace
    left join pg_attribute a on a.attrelid = c.oid and a.attnum = d.objsubid and d.objsubid > 0
    where n.nspname ${USER_SCHEMAS}`,
  roles: `select rolname || ' super=' || rolsuper || ' inherit=' || rolinherit || ' login=' || rolcanlogin
      || ' bypassrls=' || rolbypassrls
    from pg_roles where rolname not like 'pg\\_%'`,
  extensions: `select e.extname || ' ' || e.extversion || ' in ' || n.nspname
    from pg_extension e join pg_namespace n on n.oid = e.extnamespace`,
  publications: `select p.pubname || ' all=' || p.puballtables || ' tables='
      || coalesce((select string_agg(t.schemaname || '.' || t.tablename, ',' order by 1)
                   from pg_publication_tables t where t.pubname = p.pubname), '')
    from pg_publication p`,
  eventTriggers: "select evtname || ' ' || evtevent from pg_event_trigger",
  defaultPrivileges: `select pg_get_userbyid(d.defaclrole) || ' ' || coalesce(n.nspname, '*') || ' '
      || d.defaclobjtype::text || ' ' || ${SORTED_ACL('d.defaclacl')}
    from pg_default_acl d left join pg_namespace n on n.oid = d.defaclnamespace`,
};

export async function dumpSchema(db: Queryable): Promise<SchemaDump> {
  const dump: SchemaDump = {};
  for (const [section, sql] of Object.entries(SECTIONS)) {
    const { rows } = await db.query<{ line: string }>(`select line from (${sql}) as s(line)`);
    dump[section] = rows.map((row) => row.line).sort();
  }
  return dump;
}

/** `pg_dump --schema-only` of a Postgres database, without the migration history. */
export async function pgDumpSchema(url: string): Promise<string> {
  // A fixed restrict key: pg_dump otherwise writes a random one into each dump.
  const { stdout } = await run(
    'pg_dump',
    ['--schema-only', '--exclude-schema=supabase_migrations', '--restrict-key=stridesync', url],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout;
}
