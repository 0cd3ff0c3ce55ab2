-- =============================================================================================
-- Team decision entry points: the team reads it, its gurus and admins record it (versioned,
-- checked by the answer rules; the rules: 264_team_decisions.sql).
-- =============================================================================================

/** Section: team decisions ------------------------------------------------------------------- */

create or replace function api.get_team_decision(p_organization_id uuid, p_slug text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_organization shared.organizations := shared.require_organization_reader(shared.require_caller(), p_organization_id);
begin
    return shared.get_team_decision(v_organization.id, shared.require_tool(p_slug));
end;
$$;

comment on function api.get_team_decision(uuid, text) is
    'GET /api/organizations/{id}/tools/{slug}/decision: the answers the team agreed and their version (members, its gurus, admins).';

revoke all on function api.get_team_decision(uuid, text) from public;
grant execute on function api.get_team_decision(uuid, text) to fasttrack_api;

create or replace function api.save_team_decision(p_organization_id uuid, p_slug text, p_data jsonb, p_version integer)
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
    return shared.save_team_decision(v_organization.id, shared.require_tool(p_slug), p_data, p_version, v_caller.id);
end;
$$;

comment on function api.save_team_decision(uuid, text, jsonb, integer) is
    'PUT /api/organizations/{id}/tools/{slug}/decision: the team''s agreed answers over the version the page saw (PT409 STALE_VERSION otherwise; PT422 INVALID_ANSWERS; gurus coaching it, admins).';

revoke all on function api.save_team_decision(uuid, text, jsonb, integer) from public;
grant execute on function api.save_team_decision(uuid, text, jsonb, integer) to fasttrack_api;

create or replace function api.team_decision_history(p_organization_id uuid, p_slug text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_organization shared.organizations := shared.require_organization_reader(shared.require_caller(), p_organization_id);
begin
    return shared.team_decision_history(v_organization.id, shared.require_tool(p_slug));
end;
$$;

comment on function api.team_decision_history(uuid, text) is
    'GET /api/organizations/{id}/tools/{slug}/decision/history: every version of the decision, newest first.';

revoke all on function api.team_decision_history(uuid, text) from public;
grant execute on function api.team_decision_history(uuid, text) to fasttrack_api;
