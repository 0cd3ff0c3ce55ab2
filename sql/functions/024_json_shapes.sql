-- =============================================================================================
-- Shapes that several answers share, built in one place so they cannot drift apart.
-- =============================================================================================

/** Section: tools ---------------------------------------------------------------------------- */

create or replace function shared.tool_ref(p_tool shared.tools)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
begin
    return jsonb_build_object('slug', p_tool.slug, 'name', p_tool.name, 'sprint_number', p_tool.sprint_number);
end;
$$;

comment on function shared.tool_ref(shared.tools) is
    'How an answer names a tool: {slug, name, sprint_number} (next_tool, unlocked_tools, event payloads, exports).';

revoke all on function shared.tool_ref(shared.tools) from public;

/** Section: submissions ---------------------------------------------------------------------- */

create or replace function shared.submission_json(p_tool_slug text, p_row jsonb)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
begin
    return jsonb_build_object('tool', p_tool_slug, 'submission_id', p_row -> 'id')
           || (p_row - 'id' - 'user_id');
end;
$$;

comment on function shared.submission_json(text, jsonb) is
    'The shape every submission is returned in: tool, submission_id, organization_id, data, status, version and timestamps.';

revoke all on function shared.submission_json(text, jsonb) from public;
