-- =============================================================================================
-- Exposure to Supabase's REST API. On Supabase, PostgREST serves the exposed schemas to the
-- roles anon and authenticated, so every table needs row-level security (with no policy for
-- them: deny by default), no view may run with its owner's rights where they can read it, and
-- no function may be executable by them or by PUBLIC. The service itself is unaffected: its
-- roles only execute SECURITY DEFINER api functions, which run as the owner (RLS does not apply
-- to a table's owner).
--
-- shared.close_exposure() puts that right on every object of the project's schemas; the registry
-- sync calls it at the end of every migrate, so tables, views and functions added later (a new
-- tool's schema, a view re-created by its function file) are covered too.
-- shared.exposure_problems() is the check, in the style of Supabase's database linter.
-- =============================================================================================

/** Section: the project's schemas ------------------------------------------------------------ */

create or replace function shared.project_schemas()
returns text[]
language plpgsql
stable
set search_path = ''
as $$
begin
    return array['shared', 'api', 'fasttrack_migrations']
           || coalesce((select array_agg(t.schema_name::text order by t.sprint_number) from shared.tools as t), '{}')
           -- public holds nothing of ours, but it is the schema Supabase exposes by default
           || array['public'];
end;
$$;

comment on function shared.project_schemas() is
    'The schemas the service owns objects in: shared, api, fasttrack_migrations, every tool schema, and public (Supabase''s exposed schema).';

revoke all on function shared.project_schemas() from public;

-- Supabase's client roles; either may be missing (plain PostgreSQL).
create or replace function shared.client_roles()
returns text[]
language plpgsql
stable
set search_path = ''
as $$
begin
    return coalesce((select array_agg(r.rolname::text order by r.rolname) from pg_catalog.pg_roles as r
                      where r.rolname in ('anon', 'authenticated')), '{}');
end;
$$;

comment on function shared.client_roles() is
    'The Supabase client roles (anon, authenticated) that exist in this cluster; empty on plain PostgreSQL.';

revoke all on function shared.client_roles() from public;

/** Section: closing -------------------------------------------------------------------------- */

create or replace function shared.close_exposure()
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_schemas text[] := shared.project_schemas();
    v_object record;
    v_role text;
    v_tables integer := 0;
    v_views integer := 0;
    v_functions integer := 0;
begin
    -- row-level security on every table we own, with no policy: deny by default
    for v_object in
        select c.oid::regclass as name
          from pg_catalog.pg_class as c
          join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
         where n.nspname = any (v_schemas) and c.relkind in ('r', 'p')
           and not c.relrowsecurity and pg_catalog.pg_has_role(c.relowner, 'USAGE')
         order by 1
    loop
        execute format('alter table %s enable row level security', v_object.name);
        v_tables := v_tables + 1;
    end loop;

    -- views check the reader's rights, not the owner's (PostgreSQL 15 and later)
    if pg_catalog.current_setting('server_version_num')::integer >= 150000 then
        for v_object in
            select c.oid::regclass as name
              from pg_catalog.pg_class as c
              join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
             where n.nspname = any (v_schemas) and c.relkind = 'v'
               and not coalesce('security_invoker=true' = any (c.reloptions), false)
               and pg_catalog.pg_has_role(c.relowner, 'USAGE')
        loop
            execute format('alter view %s set (security_invoker = true)', v_object.name);
            v_views := v_views + 1;
        end loop;
    end if;

    -- no function is executable by PUBLIC (a function file revokes its own; this catches the rest)
    for v_object in
        select p.oid::regprocedure as name
          from pg_catalog.pg_proc as p
          join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
         where n.nspname = any (v_schemas) and pg_catalog.pg_has_role(p.proowner, 'USAGE')
           and (p.proacl is null
                or exists (select from pg_catalog.aclexplode(p.proacl) as a where a.grantee = 0))
    loop
        execute format('revoke all on function %s from public', v_object.name);
        v_functions := v_functions + 1;
    end loop;

    -- and nothing at all for Supabase's client roles, whatever default privileges gave them
    foreach v_role in array shared.client_roles() loop  -- 'public' stays Supabase's to grant
        for v_object in
            select n.nspname as name from pg_catalog.pg_namespace as n
             where n.nspname = any (v_schemas) and n.nspname <> 'public'
               and pg_catalog.pg_has_role(n.nspowner, 'USAGE')
        loop
            execute format('revoke all on all tables in schema %I from %I', v_object.name, v_role);
            execute format('revoke all on all sequences in schema %I from %I', v_object.name, v_role);
            execute format('revoke all on all functions in schema %I from %I', v_object.name, v_role);
            execute format('revoke all on schema %I from %I', v_object.name, v_role);
        end loop;
    end loop;

    return jsonb_build_object('tables_secured', v_tables, 'views_made_invoker', v_views,
                              'functions_revoked', v_functions, 'client_roles', to_jsonb(shared.client_roles()));
end;
$$;

comment on function shared.close_exposure() is
    'Closes the project''s schemas to Supabase''s REST API: row-level security on every table (no policy: anon and authenticated read nothing), security_invoker on every view (PostgreSQL 15+), EXECUTE revoked from PUBLIC on every function, and every privilege revoked from anon and authenticated when they exist. Idempotent; run at the end of every migrate (shared.sync_registry). Returns what it changed.';

revoke all on function shared.close_exposure() from public;

/** Section: the check ------------------------------------------------------------------------ */

-- The lints of Supabase's database linter (splinter) that concern us, over every project schema:
-- rls_disabled_in_public, policy_exists_rls_disabled (no policy at all here),
-- security_definer_view, function_search_path_mutable, and EXECUTE for PUBLIC or the client roles.
create or replace function shared.exposure_problems()
returns table (lint text, object text, detail text)
language sql
stable
set search_path = ''
as $$
with
schemas as (select unnest(shared.project_schemas()) as name),
relations as (
    select c.oid, c.relkind, c.relrowsecurity, c.reloptions, c.oid::regclass::text as name
      from pg_catalog.pg_class as c
      join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
     where n.nspname in (select s.name from schemas as s)
),
functions as (
    select p.oid, p.prosecdef, p.proconfig, p.proacl, p.oid::regprocedure::text as name
      from pg_catalog.pg_proc as p
      join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
     where n.nspname in (select s.name from schemas as s)
),
client_roles as (select unnest(shared.client_roles()) as name)
select 'rls_disabled', r.name, 'row-level security is off: the REST API''s roles could read it once granted'
  from relations as r where r.relkind in ('r', 'p') and not r.relrowsecurity
union all
select 'policy_exists', r.name || ': ' || pol.polname, 'a policy opens rows to ' ||
       coalesce((select string_agg(coalesce(g.rolname, 'public'), ', ')
                   from unnest(pol.polroles) as x(role_id)
                   left join pg_catalog.pg_roles as g on g.oid = x.role_id), 'public')
  from relations as r join pg_catalog.pg_policy as pol on pol.polrelid = r.oid
union all
select 'security_definer_view', r.name, 'runs with its owner''s rights and ' ||
       case when exists (select from client_roles) then 'is readable by ' ||
            (select string_agg(cr.name, ', ') from client_roles as cr
              where pg_catalog.has_table_privilege(cr.name, r.oid, 'SELECT'))
            else 'is readable by PUBLIC' end
  from relations as r
 where r.relkind = 'v'
   and not coalesce('security_invoker=true' = any (r.reloptions), false)
   and (exists (select from client_roles as cr where pg_catalog.has_table_privilege(cr.name, r.oid, 'SELECT'))
        or exists (select from pg_catalog.pg_class as c, pg_catalog.aclexplode(c.relacl) as a
                    where c.oid = r.oid and a.grantee = 0 and a.privilege_type = 'SELECT'))
union all
select 'function_search_path_mutable', f.name,
       case when f.prosecdef then 'SECURITY DEFINER without a pinned search_path'
            else 'no pinned search_path' end
  from functions as f
 where not exists (select from unnest(f.proconfig) as c(setting) where c.setting like 'search_path=%')
union all
select 'function_executable_by_public', f.name, 'PUBLIC may execute it'
  from functions as f
 where f.proacl is null or exists (select from pg_catalog.aclexplode(f.proacl) as a where a.grantee = 0)
union all
select 'function_executable_by_client_role', f.name, cr.name || ' may execute it'
  from functions as f cross join client_roles as cr
 where pg_catalog.has_function_privilege(cr.name, f.oid, 'EXECUTE')
union all
select 'table_granted_to_client_role', r.name, cr.name || ' holds a privilege on it'
  from relations as r cross join client_roles as cr
 where r.relkind in ('r', 'p', 'v', 'm')
   and pg_catalog.has_table_privilege(cr.name, r.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE');
$$;

comment on function shared.exposure_problems() is
    'What Supabase''s database linter would flag in the project''s schemas, one row per problem (lint, object, detail): a table without row-level security, any policy, a view running with its owner''s rights readable by PUBLIC or the client roles, a function without a pinned search_path, a function PUBLIC or a client role may execute, a table a client role holds a privilege on. Empty when closed. DBA use: select * from shared.exposure_problems();';

revoke all on function shared.exposure_problems() from public;
