-- =============================================================================================
-- Action item entry points: gurus coaching the organization and admins create and change them,
-- the owner marks theirs done or open, the team reads them (the rules: 260_action_items.sql).
-- =============================================================================================

/** Section: action items --------------------------------------------------------------------- */

create or replace function api.create_action_item(p_organization_id uuid, p_slug text, p_task text,
                                                  p_owner_id uuid, p_due text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_caller shared.users := shared.require_caller();
    v_organization shared.organizations := shared.require_visible_organization(v_caller, p_organization_id);
begin
    return shared.create_action_item(v_organization.id, shared.require_tool(p_slug), p_task, p_owner_id, p_due, v_caller.id);
end;
$$;

comment on function api.create_action_item(uuid, text, text, uuid, text) is
    'POST /api/organizations/{id}/tools/{slug}/action-items: a new action item (gurus coaching it, admins).';

revoke all on function api.create_action_item(uuid, text, text, uuid, text) from public;
grant execute on function api.create_action_item(uuid, text, text, uuid, text) to fasttrack_api;

create or replace function api.update_action_item(p_action_item_id uuid, p_changes jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_caller shared.users := shared.require_caller();
    v_item shared.action_items := shared.require_action_item(p_action_item_id);
begin
    if v_caller.role = 'admin' or shared.guru_follows_organization(v_caller.id, v_item.organization_id) then
        null;  -- the coach changes anything
    elsif v_item.owner_id = v_caller.id then
        if exists (select from jsonb_object_keys(p_changes) as k where k <> 'status') then
            raise sqlstate 'PT403'
                using message = 'The owner of an action item may change its status only',
                      detail  = json_build_object('code', 'FORBIDDEN')::text;
        end if;
    else  -- not revealed to anyone else
        raise sqlstate 'PT404'
            using message = 'Unknown action item',
                  detail  = json_build_object('code', 'ACTION_ITEM_NOT_FOUND', 'action_item_id', p_action_item_id)::text;
    end if;
    return shared.update_action_item(v_item, p_changes);
end;
$$;

comment on function api.update_action_item(uuid, jsonb) is
    'PATCH /api/action-items/{id}: status, task, owner_id, due (gurus coaching the organization, admins; the owner: status only).';

revoke all on function api.update_action_item(uuid, jsonb) from public;
grant execute on function api.update_action_item(uuid, jsonb) to fasttrack_api;

create or replace function api.list_action_items(p_organization_id uuid, p_status text default null)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_organization shared.organizations := shared.require_organization_reader(shared.require_caller(), p_organization_id);
begin
    return shared.list_action_items(v_organization.id, null, shared.require_action_filter(p_status));
end;
$$;

comment on function api.list_action_items(uuid, text) is
    'GET /api/organizations/{id}/action-items?status=open|done|overdue: the team''s action items by due date (members, its gurus, admins).';

revoke all on function api.list_action_items(uuid, text) from public;
grant execute on function api.list_action_items(uuid, text) to fasttrack_api;

create or replace function api.my_action_items(p_status text default null)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_caller shared.users := shared.require_caller();
begin
    return shared.list_action_items(null, v_caller.id, shared.require_action_filter(p_status));
end;
$$;

comment on function api.my_action_items(text) is 'GET /api/me/action-items?status=: the action items the caller owns, by due date.';

revoke all on function api.my_action_items(text) from public;
grant execute on function api.my_action_items(text) to fasttrack_api;
