-- =============================================================================================
-- The write path. Every tool's submissions table carries these two triggers, so the rules hold
-- whether a change comes from the api functions or from a DBA's UPDATE in the SQL editor.
--
-- A save (autosave), hop by hop:
--   1. POST /api/tools/{slug}/data        route save_draft (fasttrack/web/tools.py)
--   2. api.save_draft                     the caller from the claims (120_api_tools.sql)
--   3. shared.save_draft                  locks the user, stale version, same data (080_submissions.sql)
--   4. shared.tool_submission_update      generated static UPDATE for the tool (035_tool_statements.sql;
--      or shared.tool_submission_insert  for the first save)
--   5. BEFORE shared.tg_submission_guard  the steps below, in this order:
--        shared.lock_user                 serializes the user's writes (020_lookups.sql)
--        (an archived row moved by shared.move_user_work changes its organization only, and stops here)
--        shared.require_writable          not archived, same id/user, organization fixed (UPDATE)
--        shared.require_status_change     the status rules (shared.submission_transition_allowed)
--        stamp_new_submission | stamp_version   (blocks: version, timestamps, organization)
--        shared.record_version            the replaced data into shared.submission_versions
--        shared.is_submit                 whether this write is a submit (decides the rest)
--        shared.require_tool_open         no writing into a locked tool (PT423)
--        shared.require_valid_answers     on a submit only: every rule (shared.answer_problems,
--                                         026_answer_checks.sql), PT422 listing every problem
--        stamp_submit_and_completion      (block: submitted_at, completed_at)
--   6. AFTER shared.tg_submission_effects a save: the save fact (shared.record_activity,
--                                         270_activity_facts.sql), the progress row (in_progress, percentage)
--
-- A submit, hop by hop:
--   1. POST /api/tools/{slug}/submit      route submit_tool (fasttrack/web/tools.py)
--   2. api.submit_tool                    (120_api_tools.sql)
--   3. shared.submit_tool                 locks the user, stale version, retried submit (080_submissions.sql)
--   4. shared.tool_submission_update/_insert with status 'submitted' (035_tool_statements.sql)
--   5. BEFORE shared.tg_submission_guard  the same steps; shared.is_submit is true
--   6. AFTER shared.tg_submission_effects shared.is_submit again, then:
--        shared.record_activity           the submit fact (270_activity_facts.sql)
--        shared.publish_outputs           field_outputs and current_field_values (060_field_outputs.sql)
--        shared.record_event              tool_completed in the outbox (170_events.sql)
--        the progress row to completed
--        shared.unlock_ready_tools        the tools this submit unlocked (050_progress.sql), handed
--                                         to shared.submit_tool in the setting below
--
-- What is a submit: a write that leaves the row 'submitted' when it was not (INSERT as submitted,
-- draft/in_progress/completed -> submitted) or that changes a submitted row's data. Both triggers
-- ask shared.is_submit with the row's old and new values, so a DBA's
-- `update ... set status = 'submitted'` is a submit like the api's, and a retried submit of
-- unchanged submitted work (shared.submit_tool does not even write it) is none.
--
-- fasttrack.unlocked_tools: a transaction-local setting. The effects trigger sets it on every
-- submit to what shared.unlock_ready_tools returned (a JSON array of {slug, name, sprint_number}
-- in sprint order); shared.submit_tool clears it before its write and returns it as
-- unlocked_tools. It is the only source of that list.
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

create or replace function shared.require_status_change(p_tool shared.tools, p_from text, p_to text,
                                                       p_data_changed boolean)
returns void
language plpgsql
stable
set search_path = ''
as $$
begin
    -- the common case first (an autosave keeps its status); the same status is always allowed
    if (p_from = p_to and p_from <> 'completed') or (p_from is null and p_to in ('draft', 'submitted')) then
        return;
    end if;
    if p_from is null then
        raise sqlstate 'PT409'
            using message = format('A new submission starts as draft or submitted, not %s', p_to),
                  detail  = json_build_object('code', 'INVALID_STATUS_TRANSITION', 'tool', p_tool.slug,
                                              'from', null, 'to', p_to)::text;
    end if;
    if not shared.submission_transition_allowed(p_from, p_to) then
        raise sqlstate 'PT409'
            using message = format('Cannot change a %s submission from %s to %s', p_tool.name, p_from, p_to),
                  detail  = json_build_object('code', 'INVALID_STATUS_TRANSITION', 'tool', p_tool.slug,
                                              'from', p_from, 'to', p_to)::text;
    end if;
    if p_from = 'completed' and p_to = 'completed' and p_data_changed then
        raise sqlstate 'PT409'
            using message = format('A completed %s submission is edited by moving it to in_progress first', p_tool.name),
                  detail  = json_build_object('code', 'INVALID_STATUS_TRANSITION', 'tool', p_tool.slug,
                                              'from', p_from, 'to', p_to)::text;
    end if;
end;
$$;

comment on function shared.require_status_change(shared.tools, text, text, boolean) is
    'Raises PT409 (INVALID_STATUS_TRANSITION) unless a submission may go from p_from (null: a new row) to p_to: a new one starts as draft or submitted, changes follow shared.submission_transition_allowed, completed work is edited through in_progress.';

revoke all on function shared.require_status_change(shared.tools, text, text, boolean) from public;

/** Section: guard steps ---------------------------------------------------------------------- */

create or replace function shared.require_writable(p_tool shared.tools, p_submission_id uuid, p_archived_at timestamptz,
                                                  p_owner_changed boolean, p_organization_changed boolean)
returns void
language plpgsql
stable
set search_path = ''
as $$
begin
    if p_archived_at is not null then
        raise sqlstate 'PT409'
            using message = format('This %s submission was archived (start over) and is read-only', p_tool.name),
                  detail  = json_build_object('code', 'SUBMISSION_ARCHIVED', 'tool', p_tool.slug,
                                              'submission_id', p_submission_id)::text;
    end if;
    if p_owner_changed then
        raise sqlstate 'PT409'
            using message = 'A submission cannot change its id or its user',
                  detail  = json_build_object('code', 'SUBMISSION_OWNER_FIXED', 'submission_id', p_submission_id)::text;
    end if;
    if p_organization_changed
       and pg_catalog.current_setting('fasttrack.organization_override', true) is distinct from 'on' then
        raise sqlstate 'PT409'
            using message = 'A submission keeps the organization of its first save; an admin moves it with shared.move_user_work()',
                  detail  = json_build_object('code', 'ORGANIZATION_LOCKED', 'submission_id', p_submission_id)::text;
    end if;
end;
$$;

comment on function shared.require_writable(shared.tools, uuid, timestamptz, boolean, boolean) is
    'Raises PT409 when an existing submission may not be changed this way: it is archived (SUBMISSION_ARCHIVED), its id or user changes (SUBMISSION_OWNER_FIXED), or its organization changes outside shared.move_user_work (ORGANIZATION_LOCKED).';

revoke all on function shared.require_writable(shared.tools, uuid, timestamptz, boolean, boolean) from public;

create or replace function shared.record_version(p_tool_slug text, p_submission_id uuid, p_user_id uuid, p_version integer,
                                                p_status text, p_data jsonb, p_saved_at timestamptz)
returns void
language plpgsql
volatile
set search_path = ''
as $$
begin
    insert into shared.submission_versions
        (tool_slug, submission_id, user_id, version, status, data, saved_at, replaced_by)
    values (p_tool_slug, p_submission_id, p_user_id, p_version, p_status, p_data, p_saved_at,
            shared.request_user_id());
end;
$$;

comment on function shared.record_version(text, uuid, uuid, integer, text, jsonb, timestamptz) is
    'Keeps the version a save replaces in shared.submission_versions, with who replaced it (the caller, null for a DBA).';

revoke all on function shared.record_version(text, uuid, uuid, integer, text, jsonb, timestamptz) from public;

create or replace function shared.is_submit(p_old_status text, p_new_status text, p_data_changed boolean)
returns boolean
language plpgsql
immutable
set search_path = ''
as $$
begin
    return p_new_status = 'submitted' and (p_old_status is distinct from 'submitted' or p_data_changed);
end;
$$;

comment on function shared.is_submit(text, text, boolean) is
    'Whether a write is a submit: the row becomes submitted (p_old_status null for an INSERT) or a submitted row''s data changes. Both submission triggers decide by it.';

revoke all on function shared.is_submit(text, text, boolean) from public;

create or replace function shared.require_tool_open(p_tool shared.tools, p_user_id uuid)
returns void
language plpgsql
stable
set search_path = ''
as $$
declare
    v_progress text;
begin
    select p.status into v_progress
      from shared.user_progress as p
     where p.user_id = p_user_id and p.tool_slug = p_tool.slug;
    if v_progress is distinct from 'unlocked' and v_progress is distinct from 'in_progress'
       and v_progress is distinct from 'completed' then
        raise sqlstate 'PT423'
            using message = format('%s is locked: finish the tools it depends on first', p_tool.name),
                  detail  = jsonb_build_object('code', 'TOOL_LOCKED', 'tool', p_tool.slug,
                                               'missing_dependencies',
                                               shared.check_unlock_status(p_tool.slug, p_user_id) -> 'missing_dependencies')::text;
    end if;
end;
$$;

comment on function shared.require_tool_open(shared.tools, uuid) is
    'Raises PT423 (TOOL_LOCKED, with the missing dependencies) unless the user''s progress on the tool is unlocked, in_progress or completed.';

revoke all on function shared.require_tool_open(shared.tools, uuid) from public;

-- Every problem at once, computed once: missing required outputs alone keep their code and
-- detail keys (missing, missing_labels); any other problem makes it INVALID_ANSWERS.
create or replace function shared.require_valid_answers(p_tool shared.tools, p_data jsonb)
returns void
language plpgsql
stable
set search_path = ''
as $$
declare
    v_problems jsonb := shared.answer_problems(p_tool.slug, p_data);
    v_missing jsonb;
    v_only_missing boolean;
begin
    if v_problems = '[]'::jsonb then
        return;
    end if;
    select coalesce(jsonb_agg(e.value order by e.pos) filter (where e.value ->> 'path' = e.value ->> 'field_id'
                                                               and e.value ->> 'rule' = 'required'), '[]'),
           bool_and(e.value ->> 'path' = e.value ->> 'field_id' and e.value ->> 'rule' = 'required')
      into v_missing, v_only_missing
      from jsonb_array_elements(v_problems) with ordinality as e(value, pos);
    raise sqlstate 'PT422'
        using message = case when v_only_missing
                             then format('Cannot submit %s: required fields are missing: %s', p_tool.name,
                                         (select string_agg(m.value ->> 'label', ', ') from jsonb_array_elements(v_missing) as m))
                             else format('Cannot submit %s: %s', p_tool.name,
                                         (select string_agg(e.value ->> 'message', ' ') from jsonb_array_elements(v_problems) as e))
                        end,
              detail  = jsonb_build_object(
                            'code', case when v_only_missing then 'MISSING_REQUIRED_OUTPUTS' else 'INVALID_ANSWERS' end,
                            'tool', p_tool.slug,
                            'missing', (select coalesce(jsonb_agg(m.value -> 'field_id'), '[]') from jsonb_array_elements(v_missing) as m),
                            'missing_labels', (select coalesce(jsonb_agg(m.value -> 'label'), '[]') from jsonb_array_elements(v_missing) as m),
                            'problems', v_problems)::text;
end;
$$;

comment on function shared.require_valid_answers(shared.tools, jsonb) is
    'Raises PT422 unless the answers break none of the tool''s rules (shared.answer_problems): MISSING_REQUIRED_OUTPUTS when the only problems are missing required outputs (the message names them by label, the detail lists ids in missing and labels in missing_labels), INVALID_ANSWERS otherwise (the message says every problem); the detail''s problems lists them all.';

revoke all on function shared.require_valid_answers(shared.tools, jsonb) from public;

/** Section: guard (before) ------------------------------------------------------------------- */

create or replace function shared.tg_submission_guard()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
    v_tool shared.tools := shared.tool_for_schema(tg_table_schema);
    v_data_changed boolean;  -- the answers differ from the stored ones (always, for a new row)
    v_submit boolean;        -- this write is a submit (shared.is_submit)
    v_organization_id uuid;  -- where shared.move_user_work moves an archived row
begin
    perform shared.lock_user(new.user_id);

    if tg_op = 'INSERT' then
        v_data_changed := true;
        perform shared.require_status_change(v_tool, null, new.status, v_data_changed);

        -- step stamp_new_submission: a new row starts at version 1, in its user's organization
        new.version := 1;
        new.archived_at := null;
        new.created_at := pg_catalog.now();
        new.updated_at := pg_catalog.now();
        new.submitted_at := null;
        new.completed_at := null;
        if new.organization_id is null then
            select u.organization_id into new.organization_id from shared.users as u where u.id = new.user_id;
        end if;
        v_submit := shared.is_submit(null, new.status, v_data_changed);
    else
        if old.archived_at is not null and new.organization_id is distinct from old.organization_id
           and pg_catalog.current_setting('fasttrack.organization_override', true) = 'on' then
            -- shared.move_user_work moves archived work too; nothing else of an archived row changes
            v_organization_id := new.organization_id;
            new := old;
            new.organization_id := v_organization_id;
            return new;
        end if;
        v_data_changed := new.data is distinct from old.data;
        perform shared.require_writable(v_tool, old.id, old.archived_at,
                                        new.id <> old.id or new.user_id <> old.user_id,
                                        new.organization_id is distinct from old.organization_id);
        perform shared.require_status_change(v_tool, old.status, new.status, v_data_changed);

        new.created_at := old.created_at;
        new.submitted_at := old.submitted_at;
        if new.archived_at is not null then
            -- starting over only archives: the archived row keeps its data, status and version
            new.data := old.data;
            new.status := old.status;
            new.version := old.version;
            return new;
        end if;

        -- step stamp_version: a change of data or status is a new version
        if v_data_changed or new.status is distinct from old.status then
            new.version := old.version + 1;
            new.updated_at := pg_catalog.now();
        else
            new.version := old.version;
        end if;
        if v_data_changed then
            perform shared.record_version(v_tool.slug, old.id, old.user_id, old.version, old.status, old.data,
                                          old.updated_at);
        end if;
        v_submit := shared.is_submit(old.status, new.status, v_data_changed);
    end if;

    if v_data_changed or v_submit then
        perform shared.require_tool_open(v_tool, new.user_id);
    end if;

    -- step stamp_submit_and_completion
    if v_submit then
        perform shared.require_valid_answers(v_tool, new.data);
        -- clock time, not transaction time: two submits in one transaction are told apart
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
    'BEFORE trigger of every tool''s submissions, in named steps: serializes the user, shared.require_writable and shared.require_status_change (PT409), stamps version and timestamps, shared.record_version keeps history, shared.require_tool_open (PT423) and, on a submit (shared.is_submit), shared.require_valid_answers (PT422, every rule of the registry).';

revoke all on function shared.tg_submission_guard() from public;

/** Section: effects (after) ------------------------------------------------------------------ */

create or replace function shared.tg_submission_effects()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
    v_tool shared.tools := shared.tool_for_schema(tg_table_schema);
    v_data_changed boolean;
    v_percent integer;
begin
    if tg_op = 'DELETE' then
        delete from shared.current_field_values as v where v.submission_id = old.id;
        return null;
    end if;
    if new.archived_at is not null then
        return null;
    end if;
    v_data_changed := tg_op = 'INSERT' or new.data is distinct from old.data;

    if shared.is_submit(case when tg_op = 'UPDATE' then old.status end, new.status, v_data_changed) then
        -- a submit completes the tool directly (unlocked -> completed when there was no draft)
        perform shared.record_activity('submit', new.user_id, new.organization_id, v_tool.slug);
        perform shared.publish_outputs(v_tool.slug, new.id, new.user_id, new.data);
        perform shared.record_event('tool_completed', new.user_id, v_tool.slug,
                                    jsonb_build_object('submission_id', new.id, 'version', new.version,
                                                       'submitted_at', new.submitted_at));
        update shared.user_progress as p
           set status = 'completed'
         where p.user_id = new.user_id and p.tool_slug = v_tool.slug and p.status <> 'completed';
        perform pg_catalog.set_config('fasttrack.unlocked_tools',
                                      shared.unlock_ready_tools(new.user_id, v_tool.slug)::text, true);
    elsif v_data_changed then
        -- a save is an analytics fact, except the empty draft a start over opens
        if tg_op = 'UPDATE' or new.data <> '{}'::jsonb then
            perform shared.record_activity('save', new.user_id, new.organization_id, v_tool.slug);
        end if;
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
    'AFTER trigger of every tool''s submissions: a save records a save fact, starts the tool and sets its percentage; a submit records a submit fact, (shared.is_submit) publishes the outputs, records a tool_completed event, completes the tool and unlocks the tools whose requirements are now met (shared.unlock_ready_tools, their list left in the setting fasttrack.unlocked_tools), in the same transaction.';

revoke all on function shared.tg_submission_effects() from public;
