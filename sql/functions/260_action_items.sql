-- =============================================================================================
-- Action items: what a team agreed to do after a meeting about a tool. A task, its owner (a
-- member of that organization), a due date (a real date, not in the past when created: the
-- organization's calendar), open or done; overdue is open past its due date.
-- The guru and admins create and change them; the owner may mark theirs done (or open again).
-- =============================================================================================

/** Section: checks and shape ----------------------------------------------------------------- */

create or replace function shared.require_owner(p_organization_id uuid, p_owner_id uuid)
returns shared.users
language plpgsql
stable
set search_path = ''
as $$
declare
    v_owner shared.users;
begin
    select u.* into v_owner from shared.users as u where u.id = p_owner_id and u.organization_id = p_organization_id;
    if v_owner.id is null then
        raise sqlstate 'PT422'
            using message = 'The owner of an action item must be a member of the organization',
                  detail  = json_build_object('code', 'OWNER_NOT_MEMBER', 'field', 'owner_id', 'owner_id', p_owner_id)::text;
    end if;
    return v_owner;
end;
$$;

comment on function shared.require_owner(uuid, uuid) is 'The member who owns an action item; PT422 (OWNER_NOT_MEMBER) for anyone not in that organization.';

revoke all on function shared.require_owner(uuid, uuid) from public;

create or replace function shared.require_action_status(p_status text)
returns text
language plpgsql
immutable
set search_path = ''
as $$
begin
    if p_status is null or p_status not in ('open', 'done') then
        raise sqlstate 'PT422'
            using message = 'status must be open or done',
                  detail  = json_build_object('code', 'INVALID_ACTION_ITEM', 'field', 'status')::text;
    end if;
    return p_status;
end;
$$;

comment on function shared.require_action_status(text) is 'An action item''s status, open or done; PT422 (INVALID_ACTION_ITEM) otherwise.';

revoke all on function shared.require_action_status(text) from public;

create or replace function shared.organization_today(p_organization_id uuid)
returns date
language sql
stable
set search_path = ''
as $$
    select (pg_catalog.now() at time zone shared.organization_time_zone(o))::date
      from shared.organizations as o where o.id = p_organization_id;
$$;

comment on function shared.organization_today(uuid) is 'Today on the organization''s calendar (its time zone).';

revoke all on function shared.organization_today(uuid) from public;

create or replace function shared.action_item_json(p_item shared.action_items)
returns jsonb
language sql
stable
set search_path = ''
as $$
    select jsonb_build_object(
               'id', p_item.id, 'organization_id', p_item.organization_id,
               'tool', (select shared.tool_ref(t) from shared.tools as t where t.slug = p_item.tool_slug),
               'task', p_item.task,
               'owner', (select jsonb_build_object('id', u.id, 'email', u.email, 'full_name', u.full_name)
                           from shared.users as u where u.id = p_item.owner_id),
               'due', p_item.due_on, 'status', p_item.status,
               'overdue', p_item.status = 'open' and p_item.due_on < shared.organization_today(p_item.organization_id),
               'created_at', p_item.created_at, 'updated_at', p_item.updated_at, 'done_at', p_item.done_at);
$$;

comment on function shared.action_item_json(shared.action_items) is 'An action item as answers show it, with its tool, owner and whether it is overdue.';

revoke all on function shared.action_item_json(shared.action_items) from public;

create or replace function shared.require_action_item(p_item_id uuid)
returns shared.action_items
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_item shared.action_items;
begin
    select a.* into v_item from shared.action_items as a where a.id = p_item_id for update;
    if v_item.id is null then
        raise sqlstate 'PT404'
            using message = 'Unknown action item',
                  detail  = json_build_object('code', 'ACTION_ITEM_NOT_FOUND', 'action_item_id', p_item_id)::text;
    end if;
    return v_item;
end;
$$;

comment on function shared.require_action_item(uuid) is 'The action item, locked for a change; PT404 (ACTION_ITEM_NOT_FOUND) for an unknown id.';

revoke all on function shared.require_action_item(uuid) from public;

/** Section: changes -------------------------------------------------------------------------- */

create or replace function shared.create_action_item(p_organization_id uuid, p_tool shared.tools, p_task text,
                                                     p_owner_id uuid, p_due text, p_created_by uuid)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_task text := shared.require_text(p_task, 'task', 2000, 'INVALID_ACTION_ITEM');
    v_owner shared.users := shared.require_owner(p_organization_id, p_owner_id);
    v_due date := shared.require_iso_date(p_due, 'due');
    v_item shared.action_items;
begin
    if v_due < shared.organization_today(p_organization_id) then
        raise sqlstate 'PT422'
            using message = format('due %s is in the past', v_due),
                  detail  = json_build_object('code', 'DUE_IN_PAST', 'field', 'due')::text;
    end if;
    insert into shared.action_items (organization_id, tool_slug, task, owner_id, due_on, created_by)
    values (p_organization_id, p_tool.slug, v_task, v_owner.id, v_due, p_created_by)
    returning * into v_item;
    return shared.action_item_json(v_item);
end;
$$;

comment on function shared.create_action_item(uuid, shared.tools, text, uuid, text, uuid) is
    'A new open action item after checking task, owner (a member, else PT422 OWNER_NOT_MEMBER) and due (a real date, not in the past).';

revoke all on function shared.create_action_item(uuid, shared.tools, text, uuid, text, uuid) from public;

create or replace function shared.update_action_item(p_item shared.action_items, p_changes jsonb)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_item shared.action_items := p_item;
begin
    if p_changes ? 'task' then
        v_item.task := shared.require_text(p_changes ->> 'task', 'task', 2000, 'INVALID_ACTION_ITEM');
    end if;
    if p_changes ? 'owner_id' then
        v_item.owner_id := (shared.require_owner(p_item.organization_id, (p_changes ->> 'owner_id')::uuid)).id;
    end if;
    if p_changes ? 'due' then
        v_item.due_on := shared.require_iso_date(p_changes ->> 'due', 'due');
    end if;
    if p_changes ? 'status' then
        v_item.status := shared.require_action_status(p_changes ->> 'status');
    end if;
    update shared.action_items as a
       set task = v_item.task, owner_id = v_item.owner_id, due_on = v_item.due_on, status = v_item.status,
           done_at = case when v_item.status = 'done' then coalesce(a.done_at, pg_catalog.now()) end,
           updated_at = pg_catalog.now()
     where a.id = p_item.id
    returning * into v_item;
    return shared.action_item_json(v_item);
end;
$$;

comment on function shared.update_action_item(shared.action_items, jsonb) is
    'Changes an action item''s task, owner_id, due and/or status, each checked as at creation (a due date may be past by now).';

revoke all on function shared.update_action_item(shared.action_items, jsonb) from public;

/** Section: lists ---------------------------------------------------------------------------- */

create or replace function shared.require_action_filter(p_status text)
returns text
language plpgsql
immutable
set search_path = ''
as $$
begin
    if p_status is not null and p_status not in ('open', 'done', 'overdue') then
        raise sqlstate 'PT422'
            using message = 'status must be open, done or overdue',
                  detail  = json_build_object('code', 'INVALID_STATUS', 'status', p_status)::text;
    end if;
    return p_status;
end;
$$;

comment on function shared.require_action_filter(text) is 'The status filter of action item lists: open, done, overdue or null (all); PT422 otherwise.';

revoke all on function shared.require_action_filter(text) from public;

create or replace function shared.list_action_items(p_organization_id uuid, p_owner_id uuid, p_status text)
returns jsonb
language sql
stable
set search_path = ''
as $$
    select coalesce(jsonb_agg(shared.action_item_json(a) order by a.due_on, a.created_at, a.id), '[]')
      from shared.action_items as a
     where (p_organization_id is null or a.organization_id = p_organization_id)
       and (p_owner_id is null or a.owner_id = p_owner_id)
       and (p_status is null
            or (p_status in ('open', 'done') and a.status = p_status)
            or (p_status = 'overdue' and a.status = 'open' and a.due_on < shared.organization_today(a.organization_id)));
$$;

comment on function shared.list_action_items(uuid, uuid, text) is
    'Action items of an organization and/or an owner, by due date; status open, done or overdue (open past due) filters them.';

revoke all on function shared.list_action_items(uuid, uuid, text) from public;
