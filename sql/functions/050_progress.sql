-- =============================================================================================
-- Progress: one row per user and tool, created with the user, moved by the submission triggers,
-- overridden by admins. The unlock rule lives in the view shared.unmet_requirements and nowhere else.
-- Reading progress: 055_progress_reads.sql.
-- =============================================================================================

/** Section: the unlock rule ------------------------------------------------------------------ */

-- A view, so the rule is written once yet inlined into each query that reads it: the submit
-- trigger unlocks every ready tool in one set-based statement. (A LANGUAGE sql function with SET
-- is never inlined and is planned again on every call, once per locked tool.)
create or replace view shared.unmet_requirements as
select u.id as user_id, d.tool_slug, d.source_tool_slug, d.source_field_id, d.target_field,
       d.required, d.description, d.position
  from shared.users as u
  join shared.tool_dependencies as d on d.required
 where not exists (select 1
                     from shared.current_field_values as v
                    where v.user_id = u.id
                      and v.tool_slug = d.source_tool_slug
                      and v.field_id = d.source_field_id);

comment on view shared.unmet_requirements is
    'The unlock rule: per user, the required dependency fields of each tool that have no submitted value yet. A tool unlocks when it has no row here; optional dependencies never block. Filter by user_id (and tool_slug).';

create or replace function shared.missing_requirements(p_user_id uuid, p_tool_slug text)
returns setof shared.tool_dependencies
language plpgsql
stable
set search_path = ''
as $$
begin
    return query
    select m.tool_slug, m.source_tool_slug, m.source_field_id, m.target_field, m.required,
           m.description, m.position
      from shared.unmet_requirements as m
     where m.user_id = p_user_id and m.tool_slug = p_tool_slug;
end;
$$;

comment on function shared.missing_requirements(uuid, text) is
    'The tool''s required dependency fields that have no submitted value for the user yet (shared.unmet_requirements).';

revoke all on function shared.missing_requirements(uuid, text) from public;

create or replace function shared.tool_requirements_met(p_user_id uuid, p_tool_slug text)
returns boolean
language plpgsql
stable
set search_path = ''
as $$
begin
    return not exists (select 1 from shared.unmet_requirements as m
                        where m.user_id = p_user_id and m.tool_slug = p_tool_slug);
end;
$$;

comment on function shared.tool_requirements_met(uuid, text) is
    'True when the tool has no unmet requirements for the user (shared.unmet_requirements).';

revoke all on function shared.tool_requirements_met(uuid, text) from public;

/** Section: status transitions --------------------------------------------------------------- */

create or replace function shared.progress_transition_allowed(p_from text, p_to text)
returns boolean
language plpgsql
immutable
set search_path = ''
as $$
begin
    return p_from = p_to
        or (p_from, p_to) in (('locked', 'unlocked'),         -- requirements met, or admin unlock
                              ('unlocked', 'in_progress'),     -- first save
                              ('unlocked', 'completed'),       -- submitted without a draft
                              ('in_progress', 'completed'),    -- submitted
                              ('unlocked', 'locked'),          -- admin re-lock
                              ('in_progress', 'locked'),       -- admin re-lock, the draft is kept
                              ('completed', 'in_progress'));   -- admin reopens finished work
end;
$$;

comment on function shared.progress_transition_allowed(text, text) is
    'Which user_progress status changes are allowed (same status always is). Refused changes raise PT409 naming both statuses.';

revoke all on function shared.progress_transition_allowed(text, text) from public;

-- Guards every change to user_progress, whoever makes it (triggers, update_progress, a DBA):
-- refuses transitions outside the table above and keeps the timestamps true.
create or replace function shared.tg_progress_guard()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
    if tg_op = 'UPDATE' and not shared.progress_transition_allowed(old.status, new.status) then
        raise sqlstate 'PT409'
            using message = format('Cannot change the status of "%s" from %s to %s', new.tool_slug, old.status, new.status),
                  detail  = json_build_object('code', 'INVALID_STATUS_TRANSITION', 'tool', new.tool_slug,
                                              'from', old.status, 'to', new.status)::text;
    end if;
    if tg_op = 'INSERT' or new.status is distinct from old.status then
        new.updated_at := pg_catalog.now();
        case new.status
            when 'unlocked' then new.unlocked_at := coalesce(new.unlocked_at, pg_catalog.now());
            when 'in_progress' then
                new.unlocked_at := coalesce(new.unlocked_at, pg_catalog.now());
                new.started_at := coalesce(new.started_at, pg_catalog.now());
                new.completed_at := null;
            when 'completed' then
                new.unlocked_at := coalesce(new.unlocked_at, pg_catalog.now());
                new.started_at := coalesce(new.started_at, pg_catalog.now());
                new.completed_at := pg_catalog.now();
                new.progress_percentage := 100;
            else null;
        end case;
    elsif new is distinct from old then
        new.updated_at := pg_catalog.now();
    end if;
    return new;
end;
$$;

comment on function shared.tg_progress_guard() is
    'BEFORE trigger of shared.user_progress: refuses invalid status transitions (PT409) and stamps unlocked_at, started_at, completed_at.';

revoke all on function shared.tg_progress_guard() from public;

create or replace trigger user_progress_guard
    before insert or update on shared.user_progress
    for each row execute function shared.tg_progress_guard();

comment on trigger user_progress_guard on shared.user_progress is
    'Refuses invalid status transitions and keeps the timestamps (shared.tg_progress_guard).';

create or replace function shared.tg_progress_audit()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
    v_source text := case when pg_catalog.current_setting('fasttrack.progress_override', true) = 'on' then 'override'
                          when pg_catalog.pg_trigger_depth() > 1 then 'system'
                          else 'direct' end;
    v_actor uuid := shared.request_user_id();
    v_actor_role text;
begin
    -- the role the database authorized the caller by (their user row); a DBA's login otherwise
    select u.role into v_actor_role from shared.users as u where u.id = v_actor;
    insert into shared.progress_changes (user_id, tool_slug, old_status, new_status, source, changed_by,
                                         changed_by_role)
    values (new.user_id, new.tool_slug, old.status, new.status, v_source, v_actor,
            coalesce(v_actor_role, session_user));
    if new.status = 'unlocked' and old.status = 'locked' then
        perform shared.record_activity('unlock', new.user_id,
                                       (select u.organization_id from shared.users as u where u.id = new.user_id),
                                       new.tool_slug);
    end if;
    if new.status = 'unlocked' then
        perform shared.record_event('tool_unlocked', new.user_id, new.tool_slug, jsonb_build_object('source', v_source));
    end if;
    return null;
end;
$$;

comment on function shared.tg_progress_audit() is
    'AFTER trigger of shared.user_progress: records each status change in shared.progress_changes (who: the caller''s id and role, or a DBA''s login; when, from, to, why), an unlock fact (shared.activity_facts) and a tool_unlocked event when a tool opens.';

revoke all on function shared.tg_progress_audit() from public;

create or replace trigger user_progress_audit
    after update on shared.user_progress
    for each row when (old.status is distinct from new.status)
    execute function shared.tg_progress_audit();

comment on trigger user_progress_audit on shared.user_progress is
    'Records status changes in shared.progress_changes (shared.tg_progress_audit).';

/** Section: creating and unlocking progress rows --------------------------------------------- */

create or replace function shared.ensure_progress_rows(p_user_id uuid)
returns integer
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_count integer;
begin
    insert into shared.user_progress (user_id, tool_slug, status)
    select u.id, t.slug,
           case when exists (select 1 from shared.unmet_requirements as m
                              where m.user_id = u.id and m.tool_slug = t.slug)
                then 'locked' else 'unlocked' end
      from shared.users as u
     cross join shared.tools as t
     where p_user_id is null or u.id = p_user_id
        on conflict (user_id, tool_slug) do nothing;
    get diagnostics v_count = row_count;
    return v_count;
end;
$$;

comment on function shared.ensure_progress_rows(uuid) is
    'Creates the missing progress rows of one user (or of everyone when null): unlocked when the tool''s requirements are met, else locked. Returns the number created.';

revoke all on function shared.ensure_progress_rows(uuid) from public;

create or replace function shared.tg_user_created()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
    perform shared.ensure_progress_rows(new.id);
    return null;
end;
$$;

comment on function shared.tg_user_created() is
    'AFTER INSERT trigger of shared.users: gives the new user a progress row for every tool.';

revoke all on function shared.tg_user_created() from public;

create or replace trigger users_create_progress
    after insert on shared.users
    for each row execute function shared.tg_user_created();

comment on trigger users_create_progress on shared.users is
    'Creates the user''s progress rows for every tool (shared.tg_user_created).';

-- Only the tools that require a field of the submitted tool can have become ready: the others'
-- requirements did not change (and one an admin locked on purpose stays locked).
create or replace function shared.unlock_ready_tools(p_user_id uuid, p_submitted_tool_slug text)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_unlocked jsonb;
begin
    with unlocked as (
        update shared.user_progress as p
           set status = 'unlocked'
         where p.user_id = p_user_id
           and p.status = 'locked'
           and p.tool_slug in (select d.tool_slug from shared.tool_dependencies as d
                                where d.source_tool_slug = p_submitted_tool_slug and d.required)
           and not exists (select 1 from shared.unmet_requirements as m
                            where m.user_id = p.user_id and m.tool_slug = p.tool_slug)
        returning p.tool_slug
    )
    select coalesce(jsonb_agg(shared.tool_ref(t) order by t.sprint_number), '[]')
      into v_unlocked
      from unlocked as u join shared.tools as t on t.slug = u.tool_slug;
    return v_unlocked;
end;
$$;

comment on function shared.unlock_ready_tools(uuid, text) is
    'Unlocks, in one statement, every locked tool of the user that requires a field of the tool just submitted and whose requirements are now all met; returns them as [{slug, name, sprint_number}] in sprint order. Called by the submit trigger, which hands the list to shared.submit_tool.';

revoke all on function shared.unlock_ready_tools(uuid, text) from public;

create or replace function shared.unlock_ready_tools_for_everyone()
returns integer
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_count integer;
begin
    update shared.user_progress as p
       set status = 'unlocked'
     where p.status = 'locked'
       and not exists (select 1 from shared.unmet_requirements as m
                        where m.user_id = p.user_id and m.tool_slug = p.tool_slug);
    get diagnostics v_count = row_count;
    return v_count;
end;
$$;

comment on function shared.unlock_ready_tools_for_everyone() is
    'unlock_ready_tools for every user at once (after a registry change). Returns the number of tools unlocked.';

revoke all on function shared.unlock_ready_tools_for_everyone() from public;

/** Section: admin override ------------------------------------------------------------------- */

create or replace function shared.update_progress(p_user_id uuid, p_tool_slug text, p_status text)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_row shared.user_progress;
begin
    perform shared.require_tool(p_tool_slug);
    perform shared.lock_user(p_user_id);
    if p_status is null or p_status not in ('locked', 'unlocked', 'in_progress', 'completed') then
        raise sqlstate 'PT422'
            using message = format('Unknown progress status "%s"; use locked, unlocked, in_progress or completed', p_status),
                  detail  = json_build_object('code', 'INVALID_STATUS', 'status', p_status)::text;
    end if;

    perform pg_catalog.set_config('fasttrack.progress_override', 'on', true);
    update shared.user_progress as p
       set status = p_status
     where p.user_id = p_user_id and p.tool_slug = p_tool_slug
    returning p.* into v_row;
    perform pg_catalog.set_config('fasttrack.progress_override', 'off', true);

    return to_jsonb(v_row);
end;
$$;

comment on function shared.update_progress(uuid, text, text) is
    'Admin override of one progress status. Refuses unknown statuses (PT422) and transitions outside shared.progress_transition_allowed (PT409); records who and when in shared.progress_changes. DBA use: select shared.update_progress(''<user uuid>'', ''dream'', ''unlocked'');';

revoke all on function shared.update_progress(uuid, text, text) from public;

create or replace function shared.admin_set_tool_lock(p_admin shared.users, p_user_id uuid, p_tool_slug text,
                                                      p_status text, p_reason text)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_reason text := shared.require_reason(p_reason);
    v_before jsonb;
    v_after jsonb;
begin
    perform shared.require_tool(p_tool_slug);
    perform shared.require_user(p_user_id);
    perform shared.lock_user(p_user_id);
    select to_jsonb(p.*) into v_before
      from shared.user_progress as p where p.user_id = p_user_id and p.tool_slug = p_tool_slug;
    -- unlocking an open tool, or locking a locked one, changes nothing and is not audited
    if (p_status = 'unlocked' and v_before ->> 'status' <> 'locked')
       or (p_status = 'locked' and v_before ->> 'status' = 'locked') then
        return v_before;
    end if;
    v_after := shared.update_progress(p_user_id, p_tool_slug, p_status);  -- transition rules: PT409
    perform shared.audit(p_admin.id, case p_status when 'locked' then 'lock_tool' else 'unlock_tool' end,
                         'user_progress', p_user_id::text || '/' || p_tool_slug, v_before, v_after, v_reason);
    return v_after;
end;
$$;

comment on function shared.admin_set_tool_lock(shared.users, uuid, text, text, text) is
    'An admin''s unlock (p_status unlocked: a locked tool opens whatever its requirements) or re-lock (locked: an unlocked or in-progress tool closes, its draft kept; completed work raises PT409) of one tool for a user, audited with the optional reason. Nothing changes, and nothing is audited, when the tool is already so.';

revoke all on function shared.admin_set_tool_lock(shared.users, uuid, text, text, text) from public;
