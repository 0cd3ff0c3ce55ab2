-- =============================================================================================
-- Team decisions: the answers a team agreed for a tool, recorded by its guru (or an admin) and
-- checked by the same rules as a submit (shared.answer_problems). Versioned like meeting notes
-- (a write names the version it edited; an older one is PT409 STALE_VERSION; every version is
-- kept in shared.team_decision_versions). Outputs marked "team_level" resolve to the decision
-- for every member (090_dependencies.sql); unlocking still counts each member's own submissions.
-- =============================================================================================

/** Section: checking ------------------------------------------------------------------------- */

create or replace function shared.require_decision_answers(p_tool shared.tools, p_data jsonb)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_problems jsonb;
begin
    if p_data is null or jsonb_typeof(p_data) <> 'object' then
        raise sqlstate 'PT422'
            using message = 'data must be a JSON object of the tool''s outputs',
                  detail  = json_build_object('code', 'INVALID_ANSWERS', 'tool', p_tool.slug, 'problems', '[]'::json)::text;
    end if;
    v_problems := shared.answer_problems(p_tool.slug, p_data);
    if v_problems <> '[]'::jsonb then
        raise sqlstate 'PT422'
            using message = format('Cannot record the decision on %s: %s', p_tool.name,
                                   (select string_agg(e.value ->> 'message', ' ') from jsonb_array_elements(v_problems) as e)),
                  detail  = jsonb_build_object('code', 'INVALID_ANSWERS', 'tool', p_tool.slug, 'problems', v_problems)::text;
    end if;
    return p_data;
end;
$$;

comment on function shared.require_decision_answers(shared.tools, jsonb) is
    'The decision''s answers when they break none of the tool''s rules (as a submit); PT422 INVALID_ANSWERS listing every problem otherwise.';

revoke all on function shared.require_decision_answers(shared.tools, jsonb) from public;

/** Section: reading and writing -------------------------------------------------------------- */

create or replace function shared.team_decision_json(p_organization_id uuid, p_tool shared.tools, p_row shared.team_decisions)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
begin
    return jsonb_build_object(
        'organization_id', p_organization_id, 'tool', shared.tool_ref(p_tool),
        'version', coalesce(p_row.version, 0),
        'data', p_row.data,
        'team_level_fields', (select coalesce(jsonb_agg(f.field_id order by f.position), '[]')
                                from shared.tool_fields as f
                               where f.tool_slug = p_tool.slug and coalesce((f.rules ->> 'team_level')::boolean, false)),
        'decided_by', (select jsonb_build_object('id', u.id, 'email', u.email, 'full_name', u.full_name)
                         from shared.users as u where u.id = p_row.decided_by),
        'decided_at', p_row.decided_at);
end;
$$;

comment on function shared.team_decision_json(uuid, shared.tools, shared.team_decisions) is
    'A team decision as answers show it, with the tool''s team_level outputs; version 0 and data null before the first write.';

revoke all on function shared.team_decision_json(uuid, shared.tools, shared.team_decisions) from public;

create or replace function shared.get_team_decision(p_organization_id uuid, p_tool shared.tools)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_row shared.team_decisions;
begin
    select d.* into v_row from shared.team_decisions as d
     where d.organization_id = p_organization_id and d.tool_slug = p_tool.slug;
    return shared.team_decision_json(p_organization_id, p_tool, v_row);
end;
$$;

comment on function shared.get_team_decision(uuid, shared.tools) is 'The team''s current decision on a tool (version 0 when none yet).';

revoke all on function shared.get_team_decision(uuid, shared.tools) from public;

create or replace function shared.save_team_decision(p_organization_id uuid, p_tool shared.tools, p_data jsonb,
                                                     p_expected_version integer, p_user_id uuid)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_data jsonb;
    v_row shared.team_decisions;
begin
    perform shared.require_version(p_expected_version);
    v_data := shared.require_decision_answers(p_tool, p_data);
    select d.* into v_row from shared.team_decisions as d
     where d.organization_id = p_organization_id and d.tool_slug = p_tool.slug
       for update;
    if v_row.organization_id is null then
        perform shared.require_current_version(p_tool.slug, p_expected_version, 0);
        insert into shared.team_decisions (organization_id, tool_slug, data, decided_by)
        values (p_organization_id, p_tool.slug, v_data, p_user_id)
            on conflict (organization_id, tool_slug) do nothing
        returning * into v_row;
        if v_row.organization_id is null then  -- another write made version 1 meanwhile
            perform shared.require_current_version(p_tool.slug, p_expected_version, 1);
        end if;
    elsif v_row.data = v_data then  -- the same decision again (a retried write) changes nothing
        return shared.team_decision_json(p_organization_id, p_tool, v_row) || jsonb_build_object('changed', false);
    else
        perform shared.require_current_version(p_tool.slug, p_expected_version, v_row.version);
        update shared.team_decisions as d
           set data = v_data, version = d.version + 1, decided_by = p_user_id, decided_at = pg_catalog.now()
         where d.organization_id = p_organization_id and d.tool_slug = p_tool.slug
        returning * into v_row;
    end if;
    insert into shared.team_decision_versions (organization_id, tool_slug, version, data, decided_by, decided_at)
    values (v_row.organization_id, v_row.tool_slug, v_row.version, v_row.data, v_row.decided_by, v_row.decided_at);
    return shared.team_decision_json(p_organization_id, p_tool, v_row) || jsonb_build_object('changed', true);
end;
$$;

comment on function shared.save_team_decision(uuid, shared.tools, jsonb, integer, uuid) is
    'Records the team''s decision when the answers pass the tool''s rules (else PT422 INVALID_ANSWERS) and p_expected_version is the current one (0: none yet; else PT409 STALE_VERSION); keeps the new version in the history.';

revoke all on function shared.save_team_decision(uuid, shared.tools, jsonb, integer, uuid) from public;

create or replace function shared.team_decision_history(p_organization_id uuid, p_tool shared.tools)
returns jsonb
language sql
stable
set search_path = ''
as $$
    select coalesce(jsonb_agg(jsonb_build_object(
               'version', v.version, 'data', v.data, 'decided_at', v.decided_at,
               'decided_by', (select jsonb_build_object('id', u.id, 'email', u.email, 'full_name', u.full_name)
                                from shared.users as u where u.id = v.decided_by)) order by v.version desc), '[]')
      from shared.team_decision_versions as v
     where v.organization_id = p_organization_id and v.tool_slug = p_tool.slug;
$$;

comment on function shared.team_decision_history(uuid, shared.tools) is 'Every version of a team''s decision on a tool, newest first.';

revoke all on function shared.team_decision_history(uuid, shared.tools) from public;
