-- =============================================================================================
-- Organization groups: nested to any depth as a materialized path (see migration 0011). The
-- descendants of a group are one index range, [path, path || '~'), in the C collation; its
-- ancestors are the ids in its own path. Who coaches what through a group is decided once, in
-- shared.guru_follows_organization (110_access.sql).
-- =============================================================================================

/** Section: lookups and shape ---------------------------------------------------------------- */

create or replace function shared.require_group(p_group_id uuid, p_for_update boolean default false)
returns shared.organization_groups
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_group shared.organization_groups;
begin
    if p_for_update then
        select g.* into v_group from shared.organization_groups as g where g.id = p_group_id for update;
    else
        select g.* into v_group from shared.organization_groups as g where g.id = p_group_id;
    end if;
    if v_group.id is null then
        raise sqlstate 'PT404'
            using message = 'Unknown organization group',
                  detail  = json_build_object('code', 'GROUP_NOT_FOUND', 'group_id', p_group_id)::text;
    end if;
    return v_group;
end;
$$;

comment on function shared.require_group(uuid, boolean) is
    'The organization group, optionally locked; PT404 (GROUP_NOT_FOUND) for an unknown id.';

revoke all on function shared.require_group(uuid, boolean) from public;

create or replace function shared.group_descendants(p_path text)
returns setof shared.organization_groups
language plpgsql
stable
set search_path = ''
as $$
begin
    -- the group itself and every group below it: one range of organization_groups_path_key
    return query
        select g.* from shared.organization_groups as g
         where g.path >= p_path collate "C" and g.path < (p_path || '~') collate "C";
end;
$$;

comment on function shared.group_descendants(text) is
    'The group with that materialized path and every group below it, at any depth (one index range scan).';

revoke all on function shared.group_descendants(text) from public;

create or replace function shared.group_json(p_group_id uuid)
returns jsonb
language sql
stable
set search_path = ''
as $$
    select jsonb_build_object(
               'id', g.id, 'name', g.name, 'parent_id', g.parent_id,
               'depth', pg_catalog.array_length(pg_catalog.string_to_array(pg_catalog.btrim(g.path, '/'), '/'), 1) - 1,
               'ancestors', (select coalesce(jsonb_agg(jsonb_build_object('id', a.id, 'name', a.name) order by a.path), '[]')
                               from shared.organization_groups as a
                              where a.id = any (pg_catalog.string_to_array(pg_catalog.btrim(g.path, '/'), '/')::uuid[])
                                and a.id <> g.id),
               'organization_count', (select count(*) from shared.organizations as o where o.group_id = g.id),
               'gurus', (select coalesce(jsonb_agg(jsonb_build_object('id', u.id, 'email', u.email, 'full_name', u.full_name)
                                                   order by u.email), '[]')
                           from shared.group_gurus as gg join shared.users as u on u.id = gg.user_id
                          where gg.group_id = g.id),
               'created_at', g.created_at, 'updated_at', g.updated_at)
      from shared.organization_groups as g
     where g.id = p_group_id;
$$;

comment on function shared.group_json(uuid) is
    'A group as the admin API shows it: parent, depth, ancestors (root first), its organizations'' count and its gurus.';

revoke all on function shared.group_json(uuid) from public;

/** Section: changes -------------------------------------------------------------------------- */

create or replace function shared.create_group(p_name text, p_parent_id uuid)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_id uuid := gen_random_uuid();
    v_parent_path text := '/';
begin
    if p_parent_id is not null then
        v_parent_path := (shared.require_group(p_parent_id, p_for_update => true)).path;
    end if;
    insert into shared.organization_groups (id, parent_id, name, path)
    values (v_id, p_parent_id, shared.require_text(p_name, 'name', 255, 'INVALID_GROUP'), v_parent_path || v_id::text || '/');
    return shared.group_json(v_id);
end;
$$;

comment on function shared.create_group(text, uuid) is 'Creates a group at the top or below a parent (PT404 for an unknown parent).';

revoke all on function shared.create_group(text, uuid) from public;

create or replace function shared.move_group(p_group shared.organization_groups, p_parent_id uuid)
returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_new_path text := '/';
    v_parent shared.organization_groups;
begin
    if p_parent_id is not null then
        v_parent := shared.require_group(p_parent_id, p_for_update => true);
        if v_parent.path like p_group.path || '%' then
            raise sqlstate 'PT422'
                using message = 'A group cannot move below itself or one of its own subgroups',
                      detail  = json_build_object('code', 'GROUP_CYCLE', 'group_id', p_group.id,
                                                  'parent_id', p_parent_id)::text;
        end if;
        v_new_path := v_parent.path;
    end if;
    v_new_path := v_new_path || p_group.id::text || '/';
    if v_new_path = p_group.path then
        return;
    end if;
    -- the whole subtree changes its prefix in one statement (new paths cannot collide: they
    -- start with a path no existing group below this one has)
    update shared.organization_groups as g
       set path = v_new_path || substr(g.path, length(p_group.path) + 1),
           parent_id = case when g.id = p_group.id then p_parent_id else g.parent_id end,
           updated_at = pg_catalog.now()
     where g.id in (select d.id from shared.group_descendants(p_group.path) as d);
end;
$$;

comment on function shared.move_group(shared.organization_groups, uuid) is
    'Moves a group and everything below it under another parent (null: the top); PT422 (GROUP_CYCLE) below itself.';

revoke all on function shared.move_group(shared.organization_groups, uuid) from public;

create or replace function shared.delete_group(p_group_id uuid)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_group shared.organization_groups := shared.require_group(p_group_id, p_for_update => true);
    v_before jsonb := shared.group_json(p_group_id);
begin
    if exists (select from shared.organization_groups as g where g.parent_id = p_group_id)
       or exists (select from shared.organizations as o where o.group_id = p_group_id) then
        raise sqlstate 'PT409'
            using message = format('Group "%s" still holds groups or organizations; move them out first', v_group.name),
                  detail  = json_build_object('code', 'GROUP_NOT_EMPTY', 'group_id', p_group_id)::text;
    end if;
    delete from shared.organization_groups as g where g.id = p_group_id;
    return v_before;
end;
$$;

comment on function shared.delete_group(uuid) is 'Deletes an empty group (PT409 GROUP_NOT_EMPTY while groups or organizations are in it); returns it as it was.';

revoke all on function shared.delete_group(uuid) from public;

/** Section: who coaches what ----------------------------------------------------------------- */

create or replace function shared.coached_organization_ids(p_guru_id uuid)
returns setof uuid
language plpgsql
stable
set search_path = ''
as $$
begin
    -- the same rule as shared.guru_follows_organization, read from the guru's side: the
    -- organizations assigned directly, and those in any group below an assigned group
    return query
        select g.organization_id from shared.organization_gurus as g
          join shared.users as u on u.id = g.user_id and u.role = 'guru'
         where g.user_id = p_guru_id
        union
        select o.id
          from shared.group_gurus as gg
          join shared.users as u on u.id = gg.user_id and u.role = 'guru'
          join shared.organization_groups as a on a.id = gg.group_id
          join shared.organization_groups as d
            on d.path >= a.path and d.path < (a.path || '~') collate "C"
          join shared.organizations as o on o.group_id = d.id
         where gg.user_id = p_guru_id;
end;
$$;

comment on function shared.coached_organization_ids(uuid) is
    'Every organization a guru coaches: assigned directly, or sitting in a group at or below one the guru is assigned to.';

revoke all on function shared.coached_organization_ids(uuid) from public;
