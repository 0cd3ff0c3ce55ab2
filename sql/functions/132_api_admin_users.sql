-- =============================================================================================
-- Admin entry points for users: unlock or re-lock a tool, set a role, list users, move a user to an
-- organization. Every change is audited (shared.audit).
-- =============================================================================================

/** Section: admin: users --------------------------------------------------------------------- */

create or replace function api.admin_unlock_tool(p_user_id uuid, p_slug text, p_reason text default null)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_admin shared.users := shared.require_admin();
begin
    return shared.admin_set_tool_lock(v_admin, p_user_id, p_slug, 'unlocked', p_reason);
end;
$$;

comment on function api.admin_unlock_tool(uuid, text, text) is
    'POST /api/admin/users/{id}/tools/{slug}/unlock: opens a locked tool for a user whatever its requirements (audited, with the optional reason).';

revoke all on function api.admin_unlock_tool(uuid, text, text) from public;
grant execute on function api.admin_unlock_tool(uuid, text, text) to fasttrack_api;

create or replace function api.admin_lock_tool(p_user_id uuid, p_slug text, p_reason text default null)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_admin shared.users := shared.require_admin();
begin
    return shared.admin_set_tool_lock(v_admin, p_user_id, p_slug, 'locked', p_reason);
end;
$$;

comment on function api.admin_lock_tool(uuid, text, text) is
    'POST /api/admin/users/{id}/tools/{slug}/lock: locks an open tool again for a user (a draft is kept; completed work cannot be locked: PT409). Audited, with the optional reason.';

revoke all on function api.admin_lock_tool(uuid, text, text) from public;
grant execute on function api.admin_lock_tool(uuid, text, text) to fasttrack_api;

create or replace function api.admin_set_role(p_user_id uuid, p_role text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_admin shared.users := shared.require_admin();
    v_before shared.users := shared.require_user(p_user_id);
    v_after shared.users;
begin
    if p_role is null or p_role not in ('user', 'guru', 'admin') then
        raise sqlstate 'PT422'
            using message = format('Unknown role "%s"; use user, guru or admin', p_role),
                  detail  = json_build_object('code', 'INVALID_ROLE', 'role', p_role)::text;
    end if;
    if v_before.id = v_admin.id and p_role <> 'admin' then
        raise sqlstate 'PT409'
            using message = 'You cannot remove your own admin role; ask another admin',
                  detail  = json_build_object('code', 'CANNOT_DEMOTE_SELF')::text;
    end if;
    update shared.users as u set role = p_role, updated_at = pg_catalog.now()
     where u.id = p_user_id and u.role is distinct from p_role
    returning u.* into v_after;
    if v_after.id is null then
        return shared.user_json(v_before);
    end if;
    perform shared.audit(v_admin.id, 'set_role', 'user', p_user_id::text, shared.user_json(v_before), shared.user_json(v_after));
    return shared.user_json(v_after);
end;
$$;

comment on function api.admin_set_role(uuid, text) is 'PUT /api/admin/users/{id}/role: changes a user''s role (audited); admins cannot demote themselves.';

revoke all on function api.admin_set_role(uuid, text) from public;
grant execute on function api.admin_set_role(uuid, text) to fasttrack_api;

create or replace function api.admin_list_users(p_organization_id uuid default null, p_search text default null,
                                                p_cursor text default null, p_limit integer default 50)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_admin shared.users := shared.require_admin();
    v_after text;
    v_page jsonb;
    v_limit integer := shared.require_limit(p_limit, 50, 200);
begin
    if p_cursor is not null then
        begin
            v_after := convert_from(decode(translate(p_cursor, '-_', '+/'), 'base64'), 'UTF8');
        exception when others then
            raise sqlstate 'PT422'
                using message = 'cursor is not one this API returned',
                      detail  = json_build_object('code', 'INVALID_CURSOR')::text;
        end;
    end if;

    select coalesce(jsonb_agg(shared.user_json(u.*) order by u.email), '[]')
      into v_page
      from (select x.* from shared.users as x
             where (p_organization_id is null or x.organization_id = p_organization_id)
               -- a literal substring: % and _ in a search are characters, not wildcards
               and (p_search is null or strpos(lower(x.email), lower(p_search)) > 0
                    or strpos(lower(x.full_name), lower(p_search)) > 0)
               and (v_after is null or x.email > v_after)
             order by x.email
             limit v_limit + 1) as u;

    return jsonb_build_object(
        'users', (select coalesce(jsonb_agg(e.value order by e.ordinality), '[]')
                    from jsonb_array_elements(v_page) with ordinality as e where e.ordinality <= v_limit),
        'next_cursor', case when jsonb_array_length(v_page) > v_limit
                            then translate(encode(convert_to(v_page -> (v_limit - 1) ->> 'email', 'UTF8'), 'base64'), E'+/\n', '-_')
                       end);
end;
$$;

comment on function api.admin_list_users(uuid, text, text, integer) is
    'GET /api/admin/users: users by email, filtered by organization and by a search in email or name, a page at a time (next_cursor).';

revoke all on function api.admin_list_users(uuid, text, text, integer) from public;
grant execute on function api.admin_list_users(uuid, text, text, integer) to fasttrack_api;

create or replace function api.admin_set_user_organization(p_user_id uuid, p_organization_id uuid,
                                                           p_move_work boolean default false)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_admin shared.users := shared.require_admin();
    v_before shared.users := shared.require_user(p_user_id);
    v_after shared.users;
    v_moved integer := 0;
begin
    if p_organization_id is not null then
        perform shared.require_organization(p_organization_id);
    end if;
    update shared.users as u set organization_id = p_organization_id, updated_at = pg_catalog.now()
     where u.id = p_user_id
    returning u.* into v_after;
    -- Work already started keeps its organization (it was done for that company) unless asked.
    if coalesce(p_move_work, false) then
        v_moved := shared.move_user_work(p_user_id, p_organization_id);
    end if;
    perform shared.audit(v_admin.id, 'set_organization', 'user', p_user_id::text,
                         shared.user_json(v_before), shared.user_json(v_after) || jsonb_build_object('submissions_moved', v_moved));
    return jsonb_build_object('user', shared.user_json(v_after), 'submissions_moved', v_moved);
end;
$$;

comment on function api.admin_set_user_organization(uuid, uuid, boolean) is
    'PUT /api/admin/users/{id}/organization: moves a user to an organization; their submissions keep the organization of their first save unless move_work (audited).';

revoke all on function api.admin_set_user_organization(uuid, uuid, boolean) from public;
grant execute on function api.admin_set_user_organization(uuid, uuid, boolean) to fasttrack_api;
