-- =============================================================================================
-- Admin entry point for reading the audit trail of admin changes (shared.admin_audit).
-- =============================================================================================

/** Section: admin: audit --------------------------------------------------------------------- */

create or replace function api.admin_list_audit(p_limit integer default 100, p_before_id bigint default null)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_limit integer;
begin
    perform shared.require_admin();
    v_limit := shared.require_limit(p_limit, 100, 500);
    return (select coalesce(jsonb_agg(to_jsonb(a.*) || jsonb_build_object('actor_email', u.email)
                                      order by a.id desc), '[]')
              from (select x.* from shared.admin_audit as x
                     where p_before_id is null or x.id < p_before_id
                     order by x.id desc limit v_limit) as a
              left join shared.users as u on u.id = a.actor_id);
end;
$$;

comment on function api.admin_list_audit(integer, bigint) is 'GET /api/admin/audit: admin changes, newest first (before_id pages further back), each with the actor''s email and the reason given.';

revoke all on function api.admin_list_audit(integer, bigint) from public;
grant execute on function api.admin_list_audit(integer, bigint) to fasttrack_api;
