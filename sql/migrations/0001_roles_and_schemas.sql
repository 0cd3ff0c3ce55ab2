-- =============================================================================================
-- Roles and the two fixed schemas. Tool schemas are stamped out later from the registry by
-- shared.create_tool_schema(); this migration only lays the ground they stand on.
-- =============================================================================================

/** Section: roles ---------------------------------------------------------------------------- */

-- The web layer's role: EXECUTE on api functions and nothing else. It cannot log in; the service
-- connects as the database owner and runs `set local role fasttrack_api` in every transaction.
-- Roles are cluster-wide, so creating it must tolerate a role left by another database.
do $$
begin
    if not exists (select from pg_catalog.pg_roles where rolname = 'fasttrack_api') then
        create role fasttrack_api nologin;
    end if;
    -- PostgreSQL 16 gives the creator of a role ADMIN OPTION only; SET ROLE needs the SET option.
    if not pg_catalog.pg_has_role(current_user, 'fasttrack_api',
                                  case when pg_catalog.current_setting('server_version_num')::integer >= 160000
                                       then 'SET' else 'MEMBER' end) then
        execute format('grant fasttrack_api to %I', current_user);
    end if;
end;
$$;

/** Section: schemas -------------------------------------------------------------------------- */

create schema shared;
comment on schema shared is
    'Users, organizations, progress, the tool registry and the PL/pgSQL rules that move fields between tools.';

create schema api;
comment on schema api is
    'The only functions the web layer may call (role fasttrack_api). Each reads the caller from request.jwt.claims.';

grant usage on schema api to fasttrack_api;
