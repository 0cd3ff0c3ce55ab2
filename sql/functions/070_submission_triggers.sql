-- =============================================================================================
-- The write path. Every tool's submissions table carries these two triggers, so the rules hold
-- whether a change comes from the api functions or from a DBA's UPDATE in the SQL editor.
-- =============================================================================================

/** Section: status transitions --------------------------------------------------------------- */

create or replace function shared.submission_transition_allowed(p_from text, p_to text)
returns boolean
language plpgsql
immutable
set search_path = ''
as $$
begin
    return p_from = p_to
        or (p_from, p_to) in (('draft', 'submitted'),
                              ('in_progress', 'submitted'),   -- re-submit after a revision
                              ('submitted', 'in_progress'),   -- revising submitted work
                              ('submitted', 'completed'),     -- reviewed
                              ('completed', 'in_progress'),
                              ('completed', 'submitted'));
end;
$$;

comment on function shared.submission_transition_allowed(text, text) is
    'Which submission status changes are allowed: draft -> submitted <-> in_progress, submitted -> completed -> in_progress/submitted.';

revoke all on function shared.submission_transition_allowed(text, text) from public;

/** Section: guard (before) ------------------------------------------------------------------- */

create or replace function shared.tg_submission_guard()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
    v_tool shared.tools := shared.tool_for_schema(tg_table_schema);
    v_writes_data boolean;
    v_progress text;
    v_missing text[];
begin
    perform shared.lock_user(new.user_id);

    if tg_op = 'INSERT' then
        if new.status not in ('draft', 'submitted') then
            raise sqlstate 'PT409'
                using message = format('A new submission starts as draft or submitted, not %s', new.status),
                      detail  = json_build_object('code', 'INVALID_STATUS_TRANSITION', 'tool', v_tool.slug,
                                                  'from', null, 'to', new.status)::text;
        end if;
        new.version := 1;
        new.archived_at := null;
        new.created_at := pg_catalog.now();
        new.updated_at := pg_catalog.now();
        new.submitted_at := null;
        new.completed_at := null;
        if new.organization_id is null then
            select u.organization_id into new.organization_id from shared.users as u where u.id = new.user_id;
        end if;
        v_writes_data := true;
    else
        if old.archived_at is not null then
            raise sqlstate 'PT409'
                using message = format('This %s submission was archived (start over) and is read-only', v_tool.name),
                      detail  = json_build_object('code', 'SUBMISSION_ARCHIVED', 'tool', v_tool.slug,
                                                  'submission_id', old.id)::text;
        end if;
        if new.id <> old.id or new.user_id <> old.user_id then
            raise sqlstate 'PT409'
                using message = 'A submission cannot change its id or its user',
                      detail  = json_build_object('code', 'SUBMISSION_OWNER_FIXED', 'submission_id', old.id)::text;
        end if;
        if new.organization_id is distinct from old.organization_id
           and pg_catalog.current_setting('fasttrack.organization_override', true) is distinct from 'on' then
            raise sqlstate 'PT409'
                using message = 'A submission keeps the organization of its first save; an admin moves it with shared.move_user_work()',
                      detail  = json_build_object('code', 'ORGANIZATION_LOCKED', 'submission_id', old.id)::text;
        end if;
        if not shared.submission_transition_allowed(old.status, new.status) then
            raise sqlstate 'PT409'
                using message = format('Cannot change a %s submission from %s to %s', v_tool.name, old.status, new.status),
                      detail  = json_build_object('code', 'INVALID_STATUS_TRANSITION', 'tool', v_tool.slug,
                                                  'from', old.status, 'to', new.status)::text;
        end if;
        if old.status = 'completed' and new.status = 'completed' and new.data is distinct from old.data then
            raise sqlstate 'PT409'
                using message = format('A completed %s submission is edited by moving it to in_progress first', v_tool.name),
                      detail  = json_build_object('code', 'INVALID_STATUS_TRANSITION', 'tool', v_tool.slug,
                                                  'from', old.status, 'to', new.status)::text;
        end if;

        new.created_at := old.created_at;
        new.submitted_at := old.submitted_at;
        if new.archived_at is not null then
            -- starting over only archives: the archived row keeps its data, status and version
            new.data := old.data;
            new.status := old.status;
            new.version := old.version;
            return new;
        end if;

        v_writes_data := new.data is distinct from old.data;
        if v_writes_data or new.status is distinct from old.status then
            new.version := old.version + 1;
            new.updated_at := pg_catalog.now();
        else
            new.version := old.version;
        end if;
        if v_writes_data then
            insert into shared.submission_versions
                (tool_slug, submission_id, user_id, version, status, data, saved_at, replaced_by)
            values (v_tool.slug, old.id, old.user_id, old.version, old.status, old.data, old.updated_at,
                    shared.request_user_id());
        end if;
        v_writes_data := v_writes_data or (new.status = 'submitted' and old.status <> 'submitted');
    end if;

    if v_writes_data then
        select p.status into v_progress
          from shared.user_progress as p
         where p.user_id = new.user_id and p.tool_slug = v_tool.slug;
        if v_progress is distinct from 'unlocked' and v_progress is distinct from 'in_progress'
           and v_progress is distinct from 'completed' then
            raise sqlstate 'PT423'
                using message = format('%s is locked: finish the tools it depends on first', v_tool.name),
                      detail  = jsonb_build_object('code', 'TOOL_LOCKED', 'tool', v_tool.slug,
                                                   'missing_dependencies',
                                                   shared.check_unlock_status(v_tool.slug, new.user_id) -> 'missing_dependencies')::text;
        end if;
    end if;

    if new.status = 'submitted' and (tg_op = 'INSERT' or new.data is distinct from old.data or old.status <> 'submitted') then
        v_missing := shared.missing_required_outputs(v_tool.slug, new.data);
        if cardinality(v_missing) > 0 then
            raise sqlstate 'PT422'
                using message = format('Cannot submit %s: required fields are missing: %s', v_tool.name,
                                       array_to_string(v_missing, ', ')),
                      detail  = json_build_object('code', 'MISSING_REQUIRED_OUTPUTS', 'tool', v_tool.slug,
                                                  'missing', v_missing)::text;
        end if;
        -- clock time, not transaction time: the effects trigger tells a submit by this changing
        new.submitted_at := pg_catalog.clock_timestamp();
    end if;
    if new.status = 'completed' and (tg_op = 'INSERT' or old.status <> 'completed') then
        new.completed_at := pg_catalog.now();
    elsif new.status <> 'completed' then
        new.completed_at := null;
    end if;
    return new;
end;
$$;

comment on function shared.tg_submission_guard() is
    'BEFORE trigger of every tool''s submissions: serializes the user, checks status transitions (PT409), locks (PT423) and required outputs on submit (PT422), bumps version, keeps history, fixes the organization.';

revoke all on function shared.tg_submission_guard() from public;

/** Section: effects (after) ------------------------------------------------------------------ */

create or replace function shared.tg_submission_effects()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
    v_tool shared.tools := shared.tool_for_schema(tg_table_schema);
    v_percent integer;
begin
    if tg_op = 'DELETE' then
        delete from shared.current_field_values as v where v.submission_id = old.id;
        return null;
    end if;
    if new.archived_at is not null then
        return null;
    end if;

    if new.submitted_at is not null and (tg_op = 'INSERT' or new.submitted_at is distinct from old.submitted_at) then
        -- a submit completes the tool directly (unlocked -> completed when there was no draft)
        perform shared.publish_outputs(v_tool.slug, new.id, new.user_id, new.data);
        perform shared.record_event('tool_completed', new.user_id, v_tool.slug,
                                    jsonb_build_object('submission_id', new.id, 'version', new.version,
                                                       'submitted_at', new.submitted_at));
        update shared.user_progress as p
           set status = 'completed'
         where p.user_id = new.user_id and p.tool_slug = v_tool.slug and p.status <> 'completed';
        perform shared.unlock_ready_tools(new.user_id, v_tool.slug);
    elsif tg_op = 'INSERT' or new.data is distinct from old.data then
        -- a save starts the tool and shows how much of it is filled; most autosaves change
        -- neither, and then the progress row is not written again
        v_percent := least(shared.output_completeness(v_tool.slug, new.data), 99);
        update shared.user_progress as p
           set status = case when p.status = 'unlocked' then 'in_progress' else p.status end,
               progress_percentage = v_percent
         where p.user_id = new.user_id and p.tool_slug = v_tool.slug
           and (p.status = 'unlocked' or (p.status = 'in_progress' and p.progress_percentage is distinct from v_percent));
    end if;
    return null;
end;
$$;

comment on function shared.tg_submission_effects() is
    'AFTER trigger of every tool''s submissions: first save starts the tool; a submit publishes the outputs, completes the tool, unlocks the tools whose requirements are now met and records a tool_completed event, in the same transaction.';

revoke all on function shared.tg_submission_effects() from public;
