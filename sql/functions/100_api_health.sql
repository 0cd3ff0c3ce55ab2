-- =============================================================================================
-- Web entry points that need no caller: readiness of the database behind the service.
-- =============================================================================================

/** Section: readiness ------------------------------------------------------------------------ */

create or replace function api.readiness()
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
    return jsonb_build_object(
        'tools', (select count(*) from shared.tools),
        'tool_schemas', (select count(*) from shared.tools as t
                          where exists (select from pg_catalog.pg_namespace as n where n.nspname = t.schema_name)));
end;
$$;

comment on function api.readiness() is
    'GET /ready: how many tools are registered and how many of their schemas exist (equal when migrated); no names, since anyone may ask.';

revoke all on function api.readiness() from public;
grant execute on function api.readiness() to fasttrack_api;
