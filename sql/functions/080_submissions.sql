-- =============================================================================================
-- Working on a tool: read, save a draft, submit, start over, and the version history. These are
-- the operations the api functions expose; the triggers enforce the rules underneath them.
-- =============================================================================================

/** Section: reading -------------------------------------------------------------------------- */

create or replace function shared.get_submission(p_tool_slug text, p_user_id uuid)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_tool shared.tools := shared.require_tool(p_tool_slug);
    v_row jsonb;
begin
    perform shared.require_user(p_user_id);
    v_row := shared.tool_submission(v_tool.slug, p_user_id, false);
    if v_row is null then
        return jsonb_build_object('tool', v_tool.slug, 'submission_id', null, 'status', 'draft', 'version', 0,
                                  'data', '{}'::jsonb, 'organization_id', null, 'created_at', null,
                                  'updated_at', null, 'submitted_at', null, 'completed_at', null,
                                  'archived_at', null);
    end if;
    return shared.submission_json(v_tool.slug, v_row);
end;
$$;

comment on function shared.get_submission(text, uuid) is
    'The user''s active submission of a tool, or an empty draft (version 0) when there is none. DBA use: select shared.get_submission(''dream'', ''<user uuid>'');';

revoke all on function shared.get_submission(text, uuid) from public;

/** Section: saving and submitting ------------------------------------------------------------ */

-- Both save and submit refuse to overwrite a version the caller has not seen.
create or replace function shared.require_current_version(p_tool_slug text, p_expected integer, p_current integer)
returns void
language plpgsql
volatile
set search_path = ''
as $$
begin
    if p_expected is not null and p_expected <> p_current then
        raise sqlstate 'PT409'
            using message = format('Your copy of %s is out of date: you edited version %s, the latest is %s. Reload, then save again.',
                                   p_tool_slug, p_expected, p_current),
                  detail  = json_build_object('code', 'STALE_VERSION', 'tool', p_tool_slug,
                                              'expected_version', p_expected, 'current_version', p_current)::text;
    end if;
end;
$$;

comment on function shared.require_current_version(text, integer, integer) is
    'Raises PT409 (STALE_VERSION, naming the version edited and the latest one) unless the version the caller edited is the current one (null skips the check; 0 is "no submission yet").';

revoke all on function shared.require_current_version(text, integer, integer) from public;

create or replace function shared.save_draft(p_tool_slug text, p_user_id uuid, p_data jsonb,
                                             p_expected_version integer default null)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_tool shared.tools := shared.require_tool(p_tool_slug);
    v_row jsonb;
begin
    -- the answer always says what breaks the tool's rules (computed once, as it is returned);
    -- the work is saved all the same
    perform shared.require_data_object(p_data);
    perform shared.lock_user(p_user_id);
    v_row := shared.tool_submission(v_tool.slug, p_user_id, true);

    if v_row is null then
        perform shared.require_current_version(v_tool.slug, p_expected_version, 0);
        v_row := shared.tool_submission_insert(v_tool.slug, p_user_id, p_data, 'draft');
        return shared.submission_json(v_tool.slug, v_row) || jsonb_build_object('changed', true, 'problems', shared.answer_problems(v_tool.slug, p_data));
    end if;

    -- The same body again (an autosave retried after a lost response) changes nothing.
    if v_row -> 'data' = p_data then
        return shared.submission_json(v_tool.slug, v_row) || jsonb_build_object('changed', false, 'problems', shared.answer_problems(v_tool.slug, p_data));
    end if;
    perform shared.require_current_version(v_tool.slug, p_expected_version, (v_row ->> 'version')::integer);

    -- editing submitted work reopens it (the row is locked: its status cannot change meanwhile)
    v_row := shared.tool_submission_update(
                 v_tool.slug, (v_row ->> 'id')::uuid, p_data,
                 case when v_row ->> 'status' in ('submitted', 'completed') then 'in_progress' else v_row ->> 'status' end);
    return shared.submission_json(v_tool.slug, v_row) || jsonb_build_object('changed', true, 'problems', shared.answer_problems(v_tool.slug, p_data));
end;
$$;

comment on function shared.save_draft(text, uuid, jsonb, integer) is
    'Saves the user''s answers to a tool (autosave), even when they break its rules: the answer''s problems lists what does (shared.answer_problems), as a submit would refuse it. p_expected_version is the version the caller edited (0 before the first save; null skips the check). Identical data changes nothing; a stale version raises PT409, a locked tool PT423. Editing submitted work moves it to in_progress until it is submitted again.';

revoke all on function shared.save_draft(text, uuid, jsonb, integer) from public;

create or replace function shared.submit_tool(p_tool_slug text, p_user_id uuid,
                                              p_expected_version integer default null, p_data jsonb default null)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_tool shared.tools := shared.require_tool(p_tool_slug);
    v_row jsonb;
begin
    if p_data is not null then
        perform shared.require_data_object(p_data);
    end if;
    perform shared.lock_user(p_user_id);
    v_row := shared.tool_submission(v_tool.slug, p_user_id, true);

    if v_row is null then
        if p_data is null then
            raise sqlstate 'PT404'
                using message = format('Nothing to submit: %s has no saved answers yet', v_tool.name),
                      detail  = json_build_object('code', 'NOTHING_TO_SUBMIT', 'tool', v_tool.slug)::text,
                      hint    = 'Save a draft first, or send the answers with the submit.';
        end if;
        perform shared.require_current_version(v_tool.slug, p_expected_version, 0);
    elsif v_row ->> 'status' = 'submitted' and (p_data is null or v_row -> 'data' = p_data) then
        -- already submitted as it stands: a retried submit is answered, not refused
        return shared.submission_json(v_tool.slug, v_row) || jsonb_build_object('changed', false, 'unlocked_tools', '[]'::jsonb);
    else
        perform shared.require_current_version(v_tool.slug, p_expected_version, (v_row ->> 'version')::integer);
    end if;

    -- the write below is a submit, so the effects trigger leaves the tools it unlocked here
    perform pg_catalog.set_config('fasttrack.unlocked_tools', '[]', true);
    if v_row is null then
        v_row := shared.tool_submission_insert(v_tool.slug, p_user_id, p_data, 'submitted');
    else
        v_row := shared.tool_submission_update(v_tool.slug, (v_row ->> 'id')::uuid,
                                               coalesce(p_data, v_row -> 'data'), 'submitted');
    end if;
    return shared.submission_json(v_tool.slug, v_row)
           || jsonb_build_object('changed', true,
                                 'unlocked_tools', pg_catalog.current_setting('fasttrack.unlocked_tools')::jsonb);
end;
$$;

comment on function shared.submit_tool(text, uuid, integer, jsonb) is
    'Submits the user''s active submission (optionally with new data): required outputs are checked (PT422), outputs extracted, the tool completed and the tools it unlocks returned in unlocked_tools (as shared.unlock_ready_tools gave them to the submit trigger, through the setting fasttrack.unlocked_tools). Submitting unchanged submitted work again changes nothing.';

revoke all on function shared.submit_tool(text, uuid, integer, jsonb) from public;

create or replace function shared.start_over(p_tool_slug text, p_user_id uuid)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_tool shared.tools := shared.require_tool(p_tool_slug);
    v_old jsonb;
    v_new jsonb;
begin
    perform shared.lock_user(p_user_id);
    v_old := shared.tool_submission(v_tool.slug, p_user_id, true);
    if v_old is null then
        raise sqlstate 'PT404'
            using message = format('Nothing to start over: %s has no saved answers yet', v_tool.name),
                  detail  = json_build_object('code', 'NOTHING_TO_ARCHIVE', 'tool', v_tool.slug)::text;
    end if;
    perform shared.tool_submission_archive(v_tool.slug, (v_old ->> 'id')::uuid);
    perform shared.record_activity('start_over', p_user_id, (v_old ->> 'organization_id')::uuid, v_tool.slug);
    v_new := shared.tool_submission_insert(v_tool.slug, p_user_id, '{}', 'draft');
    return shared.submission_json(v_tool.slug, v_new) || jsonb_build_object('archived_submission_id', v_old -> 'id');
end;
$$;

comment on function shared.start_over(text, uuid) is
    'Archives the user''s active submission of a tool (kept, read-only, its outputs still count), records a start_over fact and opens an empty draft.';

revoke all on function shared.start_over(text, uuid) from public;

/** Section: history -------------------------------------------------------------------------- */

create or replace function shared.submission_history(p_tool_slug text, p_user_id uuid)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_tool shared.tools := shared.require_tool(p_tool_slug);
    v_current jsonb;
begin
    perform shared.require_user(p_user_id);
    execute format(
        'select coalesce(jsonb_agg(jsonb_build_object(''submission_id'', s.id, ''version'', s.version, ''status'', s.status,
                                                      ''saved_at'', s.updated_at, ''archived_at'', s.archived_at,
                                                      ''is_latest'', true)), ''[]'')
           from %I.submissions as s where s.user_id = $1', v_tool.schema_name)
       into v_current
      using p_user_id;

    return (select coalesce(jsonb_agg(x.entry order by (x.entry ->> 'saved_at')::timestamptz desc nulls last,
                                                       (x.entry ->> 'version')::integer desc), '[]')
              from (select e.value as entry from jsonb_array_elements(v_current) as e
                    union all
                    select jsonb_build_object('submission_id', h.submission_id, 'version', h.version, 'status', h.status,
                                              'saved_at', h.saved_at, 'archived_at', null, 'is_latest', false)
                      from shared.submission_versions as h
                     where h.user_id = p_user_id and h.tool_slug = v_tool.slug) as x);
end;
$$;

comment on function shared.submission_history(text, uuid) is
    'Every version of every submission (active and archived) the user has for a tool, newest first, without the data; is_latest marks each submission''s current row.';

revoke all on function shared.submission_history(text, uuid) from public;

create or replace function shared.submission_version(p_tool_slug text, p_user_id uuid, p_submission_id uuid, p_version integer)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_tool shared.tools := shared.require_tool(p_tool_slug);
    v_found jsonb;
begin
    select jsonb_build_object('tool', v_tool.slug, 'submission_id', h.submission_id, 'version', h.version,
                              'status', h.status, 'data', h.data, 'saved_at', h.saved_at)
      into v_found
      from shared.submission_versions as h
     where h.tool_slug = v_tool.slug and h.user_id = p_user_id
       and h.submission_id = p_submission_id and h.version = p_version;
    if v_found is null then
        execute format(
            'select jsonb_build_object(''tool'', $4, ''submission_id'', s.id, ''version'', s.version, ''status'', s.status,
                                       ''data'', s.data, ''saved_at'', s.updated_at)
               from %I.submissions as s where s.id = $1 and s.user_id = $2 and s.version = $3', v_tool.schema_name)
           into v_found
          using p_submission_id, p_user_id, p_version, v_tool.slug;
    end if;
    if v_found is null then
        raise sqlstate 'PT404'
            using message = format('No version %s of that %s submission', p_version, v_tool.name),
                  detail  = json_build_object('code', 'VERSION_NOT_FOUND', 'tool', v_tool.slug,
                                              'submission_id', p_submission_id, 'version', p_version)::text;
    end if;
    return v_found;
end;
$$;

comment on function shared.submission_version(text, uuid, uuid, integer) is
    'One version of one of the user''s submissions of a tool, with its data (from the history or the submission itself).';

revoke all on function shared.submission_version(text, uuid, uuid, integer) from public;

create or replace function shared.restore_submission_version(p_tool_slug text, p_user_id uuid,
                                                             p_submission_id uuid, p_version integer,
                                                             p_expected_version integer default null)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
begin
    -- a restore is a save of that version's data: the same version check (PT409 STALE_VERSION)
    return shared.save_draft(p_tool_slug, p_user_id,
                             shared.submission_version(p_tool_slug, p_user_id, p_submission_id, p_version) -> 'data',
                             p_expected_version);
end;
$$;

comment on function shared.restore_submission_version(text, uuid, uuid, integer, integer) is
    'Saves an earlier version''s data as the active submission''s new version (the version it replaces stays in the history). p_expected_version is the active version the caller last saw, checked as a save checks it (null skips the check).';

revoke all on function shared.restore_submission_version(text, uuid, uuid, integer, integer) from public;

/** Section: organizations -------------------------------------------------------------------- */

create or replace function shared.move_user_work(p_user_id uuid, p_organization_id uuid)
returns integer
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_schema text;
    v_count integer;
    v_total integer := 0;
begin
    perform shared.lock_user(p_user_id);
    if p_organization_id is not null then
        perform shared.require_organization(p_organization_id);
    end if;
    perform pg_catalog.set_config('fasttrack.organization_override', 'on', true);
    for v_schema in select t.schema_name from shared.tools as t order by t.sprint_number loop
        execute format('update %I.submissions set organization_id = $2 where user_id = $1 and organization_id is distinct from $2',
                       v_schema)
          using p_user_id, p_organization_id;
        get diagnostics v_count = row_count;
        v_total := v_total + v_count;
    end loop;
    perform pg_catalog.set_config('fasttrack.organization_override', 'off', true);
    return v_total;
end;
$$;

comment on function shared.move_user_work(uuid, uuid) is
    'Admin only: moves all of a user''s submissions (active and archived) to another organization; work otherwise keeps the organization of its first save. Returns the number moved.';

revoke all on function shared.move_user_work(uuid, uuid) from public;
