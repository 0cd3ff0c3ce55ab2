-- =============================================================================================
-- Admin entry points for guru assignments: which organizations a guru follows (audited).
-- =============================================================================================

/** Section: admin: gurus --------------------------------------------------------------------- */

create or replace function api.admin_assign_guru(p_organization_id uuid, p_user_id uuid)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_admin shared.users := shared.require_admin();
    v_guru shared.users := shared.require_user(p_user_id);
    v_row shared.organization_gurus;
begin
    perform shared.require_organization(p_organization_id);
    if v_guru.role <> 'guru' then
        raise sqlstate 'PT422'
            using message = format('%s is not a guru; give them the guru role first', v_guru.email),
                  detail  = json_build_object('code', 'NOT_A_GURU', 'user_id', p_user_id)::text;
    end if;
    insert into shared.organization_gurus (organization_id, user_id, assigned_by)
    values (p_organization_id, p_user_id, v_admin.id)
        on conflict (organization_id, user_id) do nothing
    returning * into v_row;
    if v_row.user_id is null then
        select g.* into v_row from shared.organization_gurus as g
         where g.organization_id = p_organization_id and g.user_id = p_user_id;
    else
        perform shared.audit(v_admin.id, 'assign_guru', 'organization', p_organization_id::text, null, to_jsonb(v_row));
    end if;
    return jsonb_build_object('organization_id', v_row.organization_id, 'user_id', v_row.user_id, 'assigned_at', v_row.assigned_at);
end;
$$;

comment on function api.admin_assign_guru(uuid, uuid) is 'PUT /api/admin/organizations/{id}/gurus/{user_id}: lets a guru follow an organization (idempotent, audited).';

revoke all on function api.admin_assign_guru(uuid, uuid) from public;
grant execute on function api.admin_assign_guru(uuid, uuid) to fasttrack_api;

create or replace function api.admin_unassign_guru(p_organization_id uuid, p_user_id uuid)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_admin shared.users := shared.require_admin();
    v_row shared.organization_gurus;
begin
    delete from shared.organization_gurus as g
     where g.organization_id = p_organization_id and g.user_id = p_user_id
    returning * into v_row;
    if v_row.user_id is null then
        raise sqlstate 'PT404'
            using message = 'That guru is not assigned to that organization',
                  detail  = json_build_object('code', 'ASSIGNMENT_NOT_FOUND', 'organization_id', p_organization_id,
                                              'user_id', p_user_id)::text;
    end if;
    perform shared.audit(v_admin.id, 'unassign_guru', 'organization', p_organization_id::text, to_jsonb(v_row), null);
    return jsonb_build_object('organization_id', p_organization_id, 'user_id', p_user_id, 'unassigned', true);
end;
$$;

comment on function api.admin_unassign_guru(uuid, uuid) is 'DELETE /api/admin/organizations/{id}/gurus/{user_id}: stops a guru following an organization (audited).';

revoke all on function api.admin_unassign_guru(uuid, uuid) from public;
grant execute on function api.admin_unassign_guru(uuid, uuid) to fasttrack_api;
