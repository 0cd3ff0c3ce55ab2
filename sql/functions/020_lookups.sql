-- =============================================================================================
-- Lookups that every rule starts with: the tool by slug or by schema, the user (locked), the
-- organization. They raise PT404 with the unknown name, so callers never test for "not found"
-- themselves.
-- =============================================================================================

/** Section: tools ---------------------------------------------------------------------------- */

create or replace function shared.require_tool(p_tool_slug text)
returns shared.tools
language plpgsql
stable
set search_path = ''
as $$
declare
    v_tool shared.tools;
begin
    select t.* into v_tool from shared.tools as t where t.slug = p_tool_slug;
    if not found then
        raise sqlstate 'PT404'
            using message = format('Unknown tool "%s"', p_tool_slug),
                  detail  = json_build_object('code', 'TOOL_NOT_FOUND', 'tool', p_tool_slug)::text,
                  hint    = 'Tool slugs are listed in shared.tools (e.g. woop, know-thyself, dream).';
    end if;
    return v_tool;
end;
$$;

comment on function shared.require_tool(text) is
    'The registry row of a tool. Raises PT404 (TOOL_NOT_FOUND) for an unknown slug.';

revoke all on function shared.require_tool(text) from public;

create or replace function shared.tool_for_schema(p_schema_name text)
returns shared.tools
language plpgsql
stable
set search_path = ''
as $$
declare
    v_tool shared.tools;
begin
    select t.* into v_tool from shared.tools as t where t.schema_name = p_schema_name;
    if not found then
        raise sqlstate 'PT404'
            using message = format('Schema "%s" belongs to no registered tool', p_schema_name),
                  detail  = json_build_object('code', 'TOOL_NOT_FOUND', 'schema', p_schema_name)::text;
    end if;
    return v_tool;
end;
$$;

comment on function shared.tool_for_schema(text) is
    'The registry row of the tool that owns a sprint_NN_<slug> schema (used by the tool tables'' triggers).';

revoke all on function shared.tool_for_schema(text) from public;

/** Section: users ---------------------------------------------------------------------------- */

create or replace function shared.require_user(p_user_id uuid)
returns shared.users
language plpgsql
stable
set search_path = ''
as $$
declare
    v_user shared.users;
begin
    select u.* into v_user from shared.users as u where u.id = p_user_id;
    if not found then
        raise sqlstate 'PT404'
            using message = 'Unknown user',
                  detail  = json_build_object('code', 'USER_NOT_FOUND', 'user_id', p_user_id)::text;
    end if;
    return v_user;
end;
$$;

comment on function shared.require_user(uuid) is 'The user row. Raises PT404 (USER_NOT_FOUND) for an unknown id.';

revoke all on function shared.require_user(uuid) from public;

-- Every write for one user takes this lock first, so two transactions of the same user (two
-- submits from two tabs, say) run one after the other and the second sees the first's outputs.
-- NO KEY UPDATE does not conflict with the KEY SHARE locks that foreign keys take.
create or replace function shared.lock_user(p_user_id uuid)
returns void
language plpgsql
volatile
set search_path = ''
as $$
begin
    perform 1 from shared.users as u where u.id = p_user_id for no key update;
    if not found then
        raise sqlstate 'PT404'
            using message = 'Unknown user',
                  detail  = json_build_object('code', 'USER_NOT_FOUND', 'user_id', p_user_id)::text;
    end if;
end;
$$;

comment on function shared.lock_user(uuid) is
    'Serializes work for one user (row lock on shared.users for the rest of the transaction). Raises PT404 for an unknown user.';

revoke all on function shared.lock_user(uuid) from public;

/** Section: organizations -------------------------------------------------------------------- */

-- p_visible false answers exactly as for an unknown id, so a caller who may not see an
-- organization (shared.require_visible_organization) cannot tell whether it exists.
create or replace function shared.require_organization(p_organization_id uuid, p_for_update boolean default false,
                                                       p_visible boolean default true)
returns shared.organizations
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_organization shared.organizations;
begin
    if p_visible and p_for_update then
        select o.* into v_organization from shared.organizations as o where o.id = p_organization_id for update;
    elsif p_visible then
        select o.* into v_organization from shared.organizations as o where o.id = p_organization_id;
    end if;
    if v_organization.id is null then
        raise sqlstate 'PT404'
            using message = 'Unknown organization',
                  detail  = json_build_object('code', 'ORGANIZATION_NOT_FOUND', 'organization_id', p_organization_id)::text;
    end if;
    return v_organization;
end;
$$;

comment on function shared.require_organization(uuid, boolean, boolean) is
    'The organization row, optionally locked for update. Raises PT404 (ORGANIZATION_NOT_FOUND) for an unknown id, and when p_visible is false.';

revoke all on function shared.require_organization(uuid, boolean, boolean) from public;
