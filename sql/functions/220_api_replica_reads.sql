-- =============================================================================================
-- Reads served by a replica (DATABASE_READ_URL; fasttrack/read_replica.py routes them). A hot
-- standby cannot write, and every authenticated call writes its rate-limit counters (an
-- unlogged table, not even readable there). So such a read is two calls: this one on the
-- primary counts the caller's limits, as the read itself would have, and returns the primary's
-- WAL position; the read then runs on a replica that has replayed at least that far (so it sees
-- every write committed before the request, the caller's own included), with no limits in its
-- context (a null limit counts nothing: shared.consume_rate_limit).
-- =============================================================================================

create or replace function api.admit_replica_read(p_function text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_caller shared.users := shared.require_caller();  -- counts the per-user limit
begin
    case p_function
        when 'export_tool', 'export_user_tool' then
            perform shared.consume_rate_limit('exports', v_caller.id::text, shared.request_limit('exports'));
        when 'get_organization_progress', 'list_organizations', 'organization_dashboard', 'team_view' then
            null;  -- the per-user limit only
        else
            raise sqlstate 'PT400'
                using message = format('%s is not read from a replica', p_function),
                      detail  = json_build_object('code', 'NOT_A_REPLICA_READ', 'function', p_function)::text;
    end case;
    return jsonb_build_object('lsn', pg_catalog.pg_current_wal_lsn()::text);
end;
$$;

comment on function api.admit_replica_read(text) is
    'On the primary, before a replica read of api.<p_function>: counts the caller''s rate limits as that function would and returns the primary''s WAL position (lsn) the replica must have replayed. PT400 NOT_A_REPLICA_READ for any other function.';

revoke all on function api.admit_replica_read(text) from public;
grant execute on function api.admit_replica_read(text) to fasttrack_api;
