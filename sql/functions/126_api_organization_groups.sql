-- =============================================================================================
-- Admin entry points for organization groups: create, rename, move, delete, put an
-- organization in a group, assign gurus to a group (audited). The rules: 250_organization_groups.sql.
-- =============================================================================================

/** Section: admin: groups -------------------------------------------------------------------- */

create or replace function api.admin_list_groups()
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    perform shared.require_admin();
    return (select coalesce(jsonb_agg(shared.group_json(g.id) order by g.path), '[]')
              from shared.organization_groups as g);
end;
$$;

comment on function api.admin_list_groups() is 'GET /api/admin/groups: every group, each after its parent (path order).';

revoke all on function api.admin_list_groups() from public;
grant execute on function api.admin_list_groups() to fasttrack_api;

create or replace function api.admin_create_group(p_name text, p_parent_id uuid default null)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_admin shared.users := shared.require_admin();
    v_group jsonb := shared.create_group(p_name, p_parent_id);
begin
    perform shared.audit(v_admin.id, 'create_group', 'organization_group', v_group ->> 'id', null, v_group);
    return v_group;
end;
$$;

comment on function api.admin_create_group(text, uuid) is 'POST /api/admin/groups: a new group, at the top or below parent_id (audited).';

revoke all on function api.admin_create_group(text, uuid) from public;
grant execute on function api.admin_create_group(text, uuid) to fasttrack_api;

create or replace function api.admin_update_group(p_group_id uuid, p_changes jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_admin shared.users := shared.require_admin();
    v_group shared.organization_groups := shared.require_group(p_group_id, p_for_update => true);
    v_before jsonb := shared.group_json(p_group_id);
    v_after jsonb;
begin
    if p_changes ? 'name' then
        update shared.organization_groups as g
           set name = shared.require_text(p_changes ->> 'name', 'name', 255, 'INVALID_GROUP'), updated_at = pg_catalog.now()
         where g.id = p_group_id;
    end if;
    if p_changes ? 'parent_id' then
        perform shared.move_group(v_group, (p_changes ->> 'parent_id')::uuid);
    end if;
    v_after := shared.group_json(p_group_id);
    perform shared.audit(v_admin.id, 'update_group', 'organization_group', p_group_id::text, v_before, v_after);
    return v_after;
end;
$$;

comment on function api.admin_update_group(uuid, jsonb) is
    'PATCH /api/admin/groups/{id}: rename ({"name"}) and/or move it with everything below it ({"parent_id"}, null: to the top) (audited).';

revoke all on function api.admin_update_group(uuid, jsonb) from public;
grant execute on function api.admin_update_group(uuid, jsonb) to fasttrack_api;

create or replace function api.admin_delete_group(p_group_id uuid)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_admin shared.users := shared.require_admin();
    v_before jsonb := shared.delete_group(p_group_id);
begin
    perform shared.audit(v_admin.id, 'delete_group', 'organization_group', p_group_id::text, v_before, null);
    return jsonb_build_object('id', p_group_id, 'deleted', true);
end;
$$;

comment on function api.admin_delete_group(uuid) is 'DELETE /api/admin/groups/{id}: deletes an empty group (PT409 otherwise; audited).';

revoke all on function api.admin_delete_group(uuid) from public;
grant execute on function api.admin_delete_group(uuid) to fasttrack_api;

create or replace function api.admin_set_organization_group(p_organization_id uuid, p_group_id uuid)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_admin shared.users := shared.require_admin();
    v_organization shared.organizations := shared.require_organization(p_organization_id, p_for_update => true);
begin
    if p_group_id is not null then
        perform shared.require_group(p_group_id);
    end if;
    update shared.organizations as o set group_id = p_group_id, updated_at = pg_catalog.now()
     where o.id = p_organization_id;
    perform shared.audit(v_admin.id, 'set_organization_group', 'organization', p_organization_id::text,
                         jsonb_build_object('group_id', v_organization.group_id), jsonb_build_object('group_id', p_group_id));
    return jsonb_build_object('organization_id', p_organization_id, 'group_id', p_group_id);
end;
$$;

comment on function api.admin_set_organization_group(uuid, uuid) is
    'PUT /api/admin/organizations/{id}/group: puts the organization in a group ({"group_id"}, null: none) (audited).';

revoke all on function api.admin_set_organization_group(uuid, uuid) from public;
grant execute on function api.admin_set_organization_group(uuid, uuid) to fasttrack_api;

create or replace function api.admin_assign_group_guru(p_group_id uuid, p_user_id uuid)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_admin shared.users := shared.require_admin();
    v_guru shared.users := shared.require_user(p_user_id);
    v_row shared.group_gurus;
begin
    perform shared.require_group(p_group_id);
    if v_guru.role <> 'guru' then
        raise sqlstate 'PT422'
            using message = format('%s is not a guru; give them the guru role first', v_guru.email),
                  detail  = json_build_object('code', 'NOT_A_GURU', 'user_id', p_user_id)::text;
    end if;
    insert into shared.group_gurus (group_id, user_id, assigned_by) values (p_group_id, p_user_id, v_admin.id)
        on conflict (group_id, user_id) do nothing
    returning * into v_row;
    if v_row.user_id is null then
        select g.* into v_row from shared.group_gurus as g where g.group_id = p_group_id and g.user_id = p_user_id;
    else
        perform shared.audit(v_admin.id, 'assign_group_guru', 'organization_group', p_group_id::text, null, to_jsonb(v_row));
    end if;
    return jsonb_build_object('group_id', v_row.group_id, 'user_id', v_row.user_id, 'assigned_at', v_row.assigned_at);
end;
$$;

comment on function api.admin_assign_group_guru(uuid, uuid) is
    'PUT /api/admin/groups/{id}/gurus/{user_id}: the guru coaches every organization in the group and below it (idempotent, audited).';

revoke all on function api.admin_assign_group_guru(uuid, uuid) from public;
grant execute on function api.admin_assign_group_guru(uuid, uuid) to fasttrack_api;

create or replace function api.admin_unassign_group_guru(p_group_id uuid, p_user_id uuid)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_admin shared.users := shared.require_admin();
    v_row shared.group_gurus;
begin
    delete from shared.group_gurus as g where g.group_id = p_group_id and g.user_id = p_user_id
    returning * into v_row;
    if v_row.user_id is null then
        raise sqlstate 'PT404'
            using message = 'That guru is not assigned to that group',
                  detail  = json_build_object('code', 'ASSIGNMENT_NOT_FOUND', 'group_id', p_group_id, 'user_id', p_user_id)::text;
    end if;
    perform shared.audit(v_admin.id, 'unassign_group_guru', 'organization_group', p_group_id::text, to_jsonb(v_row), null);
    return jsonb_build_object('group_id', p_group_id, 'user_id', p_user_id, 'unassigned', true);
end;
$$;

comment on function api.admin_unassign_group_guru(uuid, uuid) is 'DELETE /api/admin/groups/{id}/gurus/{user_id}: stops the guru coaching through that group (audited).';

revoke all on function api.admin_unassign_group_guru(uuid, uuid) from public;
grant execute on function api.admin_unassign_group_guru(uuid, uuid) to fasttrack_api;
