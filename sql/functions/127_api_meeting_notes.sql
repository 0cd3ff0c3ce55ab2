-- =============================================================================================
-- Meeting notes entry points: the team reads them, its gurus and admins write them (versioned;
-- the rules: 258_meeting_notes.sql).
-- =============================================================================================

/** Section: meeting notes -------------------------------------------------------------------- */

create or replace function api.get_meeting_notes(p_organization_id uuid, p_slug text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_organization shared.organizations := shared.require_organization_reader(shared.require_caller(), p_organization_id);
begin
    return shared.get_meeting_notes(v_organization.id, shared.require_tool(p_slug));
end;
$$;

comment on function api.get_meeting_notes(uuid, text) is
    'GET /api/organizations/{id}/tools/{slug}/meeting: the meeting''s current notes and version (members, its gurus, admins).';

revoke all on function api.get_meeting_notes(uuid, text) from public;
grant execute on function api.get_meeting_notes(uuid, text) to fasttrack_api;

create or replace function api.save_meeting_notes(p_organization_id uuid, p_slug text, p_notes jsonb, p_version integer)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_caller shared.users := shared.require_caller();
    v_organization shared.organizations := shared.require_visible_organization(v_caller, p_organization_id);
begin
    return shared.save_meeting_notes(v_organization.id, shared.require_tool(p_slug), p_notes, p_version, v_caller.id);
end;
$$;

comment on function api.save_meeting_notes(uuid, text, jsonb, integer) is
    'PUT /api/organizations/{id}/tools/{slug}/meeting: new notes over the version the page saw (PT409 STALE_VERSION otherwise; gurus coaching it, admins).';

revoke all on function api.save_meeting_notes(uuid, text, jsonb, integer) from public;
grant execute on function api.save_meeting_notes(uuid, text, jsonb, integer) to fasttrack_api;

create or replace function api.meeting_notes_history(p_organization_id uuid, p_slug text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_organization shared.organizations := shared.require_organization_reader(shared.require_caller(), p_organization_id);
begin
    return shared.meeting_notes_history(v_organization.id, shared.require_tool(p_slug));
end;
$$;

comment on function api.meeting_notes_history(uuid, text) is
    'GET /api/organizations/{id}/tools/{slug}/meeting/history: every version of the notes, newest first.';

revoke all on function api.meeting_notes_history(uuid, text) from public;
grant execute on function api.meeting_notes_history(uuid, text) to fasttrack_api;
