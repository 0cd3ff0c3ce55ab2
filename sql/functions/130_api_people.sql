-- =============================================================================================
-- Web entry points for gurus and admins: other users' progress and work, organizations, roles,
-- guru assignments. Reads go through shared.require_visible_user; every admin change is audited.
-- =============================================================================================

/** Section: reading other users' work -------------------------------------------------------- */

create or replace function api.get_user_progress(p_user_id uuid)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_user shared.users := shared.require_visible_user(shared.require_caller(), p_user_id);
begin
    return shared.progress_report(v_user.id)
           || jsonb_build_object('user', jsonb_build_object('id', v_user.id, 'email', v_user.email,
                                                            'full_name', v_user.full_name,
                                                            'organization_id', v_user.organization_id));
end;
$$;

comment on function api.get_user_progress(uuid) is
    'GET /api/users/{id}/progress: for the user themself, a guru of their organization, or an admin; anyone else PT404.';

revoke all on function api.get_user_progress(uuid) from public;
grant execute on function api.get_user_progress(uuid) to fasttrack_api;

create or replace function api.get_user_tool_data(p_user_id uuid, p_slug text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    return shared.get_submission(p_slug, (shared.require_visible_user(shared.require_caller(), p_user_id)).id);
end;
$$;

comment on function api.get_user_tool_data(uuid, text) is
    'GET /api/users/{id}/tools/{slug}/data: a user''s active submission, for themself, their organization''s gurus and admins.';

revoke all on function api.get_user_tool_data(uuid, text) from public;
grant execute on function api.get_user_tool_data(uuid, text) to fasttrack_api;

create or replace function api.get_organization_progress(p_organization_id uuid)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_caller shared.users := shared.require_caller();
    v_organization shared.organizations;
begin
    select o.* into v_organization from shared.organizations as o where o.id = p_organization_id;
    if v_organization.id is null
       or not (v_caller.role = 'admin' or shared.guru_follows_organization(v_caller.id, v_organization.id)) then
        raise sqlstate 'PT404'
            using message = 'Unknown organization',
                  detail  = json_build_object('code', 'ORGANIZATION_NOT_FOUND', 'organization_id', p_organization_id)::text;
    end if;
    return jsonb_build_object(
        'organization', jsonb_build_object('id', v_organization.id, 'name', v_organization.name, 'slug', v_organization.slug),
        'members', (select coalesce(jsonb_agg(jsonb_build_object(
                                'user', jsonb_build_object('id', u.id, 'email', u.email, 'full_name', u.full_name, 'role', u.role),
                                'next_tool', (select jsonb_build_object('slug', t.slug, 'name', t.name, 'sprint_number', t.sprint_number)
                                                from shared.tools as t where t.slug = s.next_tool))
                            || (to_jsonb(s.*) - 'user_id' - 'next_tool') order by u.email), '[]')
                      from shared.users as u
                      join shared.progress_summary as s on s.user_id = u.id
                     where u.organization_id = v_organization.id));
end;
$$;

comment on function api.get_organization_progress(uuid) is
    'GET /api/organizations/{id}/progress: every member''s progress summary, for the organization''s gurus and admins (others PT404).';

revoke all on function api.get_organization_progress(uuid) from public;
grant execute on function api.get_organization_progress(uuid) to fasttrack_api;

/** Section: admin: users --------------------------------------------------------------------- */

create or replace function api.admin_unlock_tool(p_user_id uuid, p_slug text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_admin shared.users := shared.require_admin();
    v_before jsonb;
    v_after jsonb;
begin
    perform shared.require_tool(p_slug);
    perform shared.require_user(p_user_id);
    select to_jsonb(p.*) into v_before from shared.user_progress as p where p.user_id = p_user_id and p.tool_slug = p_slug;
    if v_before ->> 'status' = 'locked' then
        v_after := shared.update_progress(p_user_id, p_slug, 'unlocked');
        perform shared.audit(v_admin.id, 'unlock_tool', 'user_progress', p_user_id::text || '/' || p_slug, v_before, v_after);
        return v_after;
    end if;
    return v_before;  -- already open: nothing to change, nothing to audit
end;
$$;

comment on function api.admin_unlock_tool(uuid, text) is
    'POST /api/admin/users/{id}/tools/{slug}/unlock: opens a locked tool for a user whatever its requirements (audited).';

revoke all on function api.admin_unlock_tool(uuid, text) from public;
grant execute on function api.admin_unlock_tool(uuid, text) to fasttrack_api;

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
    v_limit integer := coalesce(p_limit, 50);
begin
    if v_limit not between 1 and 200 then
        raise sqlstate 'PT422'
            using message = 'limit must be between 1 and 200',
                  detail  = json_build_object('code', 'INVALID_LIMIT', 'limit', p_limit)::text;
    end if;
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
    if p_organization_id is not null
       and not exists (select from shared.organizations as o where o.id = p_organization_id) then
        raise sqlstate 'PT404'
            using message = 'Unknown organization',
                  detail  = json_build_object('code', 'ORGANIZATION_NOT_FOUND', 'organization_id', p_organization_id)::text;
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

/** Section: admin: organizations ------------------------------------------------------------- */

create or replace function shared.organization_json(p_organization_id uuid)
returns jsonb
language sql
stable
set search_path = ''
as $$
    select to_jsonb(o.*)
           || jsonb_build_object(
                  'member_count', (select count(*) from shared.users as u where u.organization_id = o.id),
                  'gurus', (select coalesce(jsonb_agg(jsonb_build_object('id', u.id, 'email', u.email, 'full_name', u.full_name)
                                                      order by u.email), '[]')
                              from shared.organization_gurus as g join shared.users as u on u.id = g.user_id
                             where g.organization_id = o.id))
      from shared.organizations as o
     where o.id = p_organization_id;
$$;

comment on function shared.organization_json(uuid) is 'An organization with its member count and gurus, as the admin API shows it.';

revoke all on function shared.organization_json(uuid) from public;

create or replace function shared.require_organization_fields(p_name text, p_slug text, p_settings jsonb,
                                                              p_organization_id uuid default null)
returns void
language plpgsql
volatile
set search_path = ''
as $$
begin
    if p_name is null or btrim(p_name) = '' or length(p_name) > 255 then
        raise sqlstate 'PT422'
            using message = 'name must be 1 to 255 characters',
                  detail  = json_build_object('code', 'INVALID_ORGANIZATION', 'field', 'name')::text;
    end if;
    if p_slug is null or p_slug !~ '^[a-z0-9]+(-[a-z0-9]+)*$' or length(p_slug) > 255 then
        raise sqlstate 'PT422'
            using message = 'slug must be lowercase words joined by "-" (e.g. "acme-industries")',
                  detail  = json_build_object('code', 'INVALID_ORGANIZATION', 'field', 'slug')::text;
    end if;
    if p_settings is null or jsonb_typeof(p_settings) <> 'object' then
        raise sqlstate 'PT422'
            using message = 'settings must be a JSON object',
                  detail  = json_build_object('code', 'INVALID_ORGANIZATION', 'field', 'settings')::text;
    end if;
    if exists (select from shared.organizations as o
                where o.slug = p_slug and o.id is distinct from p_organization_id) then
        raise sqlstate 'PT409'
            using message = format('An organization with slug "%s" already exists', p_slug),
                  detail  = json_build_object('code', 'ORGANIZATION_SLUG_TAKEN', 'slug', p_slug)::text;
    end if;
end;
$$;

comment on function shared.require_organization_fields(text, text, jsonb, uuid) is
    'Checks an organization''s name, slug (unique among the other organizations) and settings; raises PT422 or PT409 naming the field.';

revoke all on function shared.require_organization_fields(text, text, jsonb, uuid) from public;

create or replace function api.admin_list_organizations()
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    perform shared.require_admin();
    return (select coalesce(jsonb_agg(shared.organization_json(o.id) order by o.name), '[]') from shared.organizations as o);
end;
$$;

comment on function api.admin_list_organizations() is 'GET /api/admin/organizations: every organization with its member count and gurus.';

revoke all on function api.admin_list_organizations() from public;
grant execute on function api.admin_list_organizations() to fasttrack_api;

create or replace function api.admin_create_organization(p_name text, p_slug text, p_settings jsonb default '{}')
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_admin shared.users := shared.require_admin();
    v_id uuid;
    v_after jsonb;
begin
    perform shared.require_organization_fields(p_name, p_slug, coalesce(p_settings, '{}'));
    insert into shared.organizations (name, slug, settings)
    values (btrim(p_name), p_slug, coalesce(p_settings, '{}'))
    returning id into v_id;
    v_after := shared.organization_json(v_id);
    perform shared.audit(v_admin.id, 'create_organization', 'organization', v_id::text, null, v_after);
    return v_after;
end;
$$;

comment on function api.admin_create_organization(text, text, jsonb) is 'POST /api/admin/organizations: creates an organization (audited).';

revoke all on function api.admin_create_organization(text, text, jsonb) from public;
grant execute on function api.admin_create_organization(text, text, jsonb) to fasttrack_api;

create or replace function api.admin_update_organization(p_organization_id uuid, p_changes jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_admin shared.users := shared.require_admin();
    v_before shared.organizations;
    v_name text;
    v_slug text;
    v_settings jsonb;
    v_after jsonb;
begin
    select o.* into v_before from shared.organizations as o where o.id = p_organization_id for update;
    if v_before.id is null then
        raise sqlstate 'PT404'
            using message = 'Unknown organization',
                  detail  = json_build_object('code', 'ORGANIZATION_NOT_FOUND', 'organization_id', p_organization_id)::text;
    end if;
    if p_changes is null or jsonb_typeof(p_changes) <> 'object'
       or exists (select from jsonb_object_keys(p_changes) as k where k not in ('name', 'slug', 'settings')) then
        raise sqlstate 'PT422'
            using message = 'Send an object with any of name, slug, settings',
                  detail  = json_build_object('code', 'INVALID_ORGANIZATION')::text;
    end if;
    v_name := case when p_changes ? 'name' then p_changes ->> 'name' else v_before.name end;
    v_slug := case when p_changes ? 'slug' then p_changes ->> 'slug' else v_before.slug end;
    v_settings := case when p_changes ? 'settings' then p_changes -> 'settings' else coalesce(v_before.settings, '{}') end;
    perform shared.require_organization_fields(v_name, v_slug, v_settings, v_before.id);
    update shared.organizations as o
       set name = btrim(v_name), slug = v_slug, settings = v_settings, updated_at = pg_catalog.now()
     where o.id = v_before.id;
    v_after := shared.organization_json(v_before.id);
    perform shared.audit(v_admin.id, 'update_organization', 'organization', v_before.id::text, to_jsonb(v_before), v_after);
    return v_after;
end;
$$;

comment on function api.admin_update_organization(uuid, jsonb) is 'PATCH /api/admin/organizations/{id}: changes name, slug or settings (audited).';

revoke all on function api.admin_update_organization(uuid, jsonb) from public;
grant execute on function api.admin_update_organization(uuid, jsonb) to fasttrack_api;

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
    if not exists (select from shared.organizations as o where o.id = p_organization_id) then
        raise sqlstate 'PT404'
            using message = 'Unknown organization',
                  detail  = json_build_object('code', 'ORGANIZATION_NOT_FOUND', 'organization_id', p_organization_id)::text;
    end if;
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

create or replace function api.admin_list_audit(p_limit integer default 100, p_before_id bigint default null)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    perform shared.require_admin();
    if coalesce(p_limit, 100) not between 1 and 500 then
        raise sqlstate 'PT422'
            using message = 'limit must be between 1 and 500',
                  detail  = json_build_object('code', 'INVALID_LIMIT', 'limit', p_limit)::text;
    end if;
    return (select coalesce(jsonb_agg(to_jsonb(a.*) order by a.id desc), '[]')
              from (select x.* from shared.admin_audit as x
                     where p_before_id is null or x.id < p_before_id
                     order by x.id desc limit coalesce(p_limit, 100)) as a);
end;
$$;

comment on function api.admin_list_audit(integer, bigint) is 'GET /api/admin/audit: admin changes, newest first (before_id pages further back).';

revoke all on function api.admin_list_audit(integer, bigint) from public;
grant execute on function api.admin_list_audit(integer, bigint) to fasttrack_api;
