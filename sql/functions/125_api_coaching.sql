-- =============================================================================================
-- Coaching entry points: where a caller coaches (the organizations they may see, with their
-- figures), a team's dashboard, its meeting schedule and the guru's nudge. The rules:
-- 252_coaching_reads.sql, 255_coaching_events.sql, 256_coaching_nudges_digests.sql.
-- A guru coaching the organization (assigned to it or to a group above it) and admins see all
-- of it; members see their organization's list entry and schedule.
-- =============================================================================================

/** Section: organizations -------------------------------------------------------------------- */

create or replace function api.list_organizations(p_cursor text default null, p_limit integer default null)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_caller shared.users := shared.require_caller();
begin
    return shared.list_organizations(v_caller, p_cursor, shared.require_limit(p_limit, 50, 200));
end;
$$;

comment on function api.list_organizations(text, integer) is
    'GET /api/organizations?cursor=&limit=: the organizations the caller may see (own, coached, all for admins) with member count, current tool, next meeting and stalled members.';

revoke all on function api.list_organizations(text, integer) from public;
grant execute on function api.list_organizations(text, integer) to fasttrack_api;

create or replace function api.organization_dashboard(p_organization_id uuid)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_organization shared.organizations := shared.require_visible_organization(shared.require_caller(), p_organization_id);
begin
    return shared.organization_dashboard(v_organization);
end;
$$;

comment on function api.organization_dashboard(uuid) is
    'GET /api/organizations/{id}/dashboard: members x tools, last saves, stalled members, current tool, next meeting and readiness (a guru coaching it, admins; others PT404).';

revoke all on function api.organization_dashboard(uuid) from public;
grant execute on function api.organization_dashboard(uuid) to fasttrack_api;

/** Section: schedule and nudges -------------------------------------------------------------- */

create or replace function api.get_schedule(p_organization_id uuid)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_organization shared.organizations := shared.require_organization_reader(shared.require_caller(), p_organization_id);
begin
    return (select coalesce(jsonb_agg(shared.schedule_json(v_organization, m) order by m.meeting_at), '[]')
              from shared.meeting_schedules as m where m.organization_id = v_organization.id);
end;
$$;

comment on function api.get_schedule(uuid) is
    'GET /api/organizations/{id}/schedule: the team''s meetings, soonest first (members, its gurus, admins).';

revoke all on function api.get_schedule(uuid) from public;
grant execute on function api.get_schedule(uuid) to fasttrack_api;

create or replace function api.set_schedule(p_organization_id uuid, p_slug text, p_meeting_at text)
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
    return shared.set_schedule(v_organization, shared.require_tool(p_slug), p_meeting_at, v_caller.id);
end;
$$;

comment on function api.set_schedule(uuid, text, text) is
    'PUT /api/organizations/{id}/tools/{slug}/schedule: when the team meets about the tool (a guru coaching it, admins).';

revoke all on function api.set_schedule(uuid, text, text) from public;
grant execute on function api.set_schedule(uuid, text, text) to fasttrack_api;

create or replace function api.nudge_members(p_organization_id uuid, p_slug text)
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
    return shared.nudge_members(v_organization, shared.require_tool(p_slug), v_caller);
end;
$$;

comment on function api.nudge_members(uuid, text) is
    'POST /api/organizations/{id}/tools/{slug}/nudge: member_nudged to every member who has not submitted the tool, once per member, tool and day.';

revoke all on function api.nudge_members(uuid, text) from public;
grant execute on function api.nudge_members(uuid, text) to fasttrack_api;

/** Section: the team view -------------------------------------------------------------------- */

create or replace function api.team_view(p_organization_id uuid, p_slug text, p_min_respondents integer default 3)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_organization shared.organizations := shared.require_visible_organization(shared.require_caller(), p_organization_id);
begin
    return shared.team_view(v_organization, shared.require_tool(p_slug), greatest(coalesce(p_min_respondents, 3), 1));
end;
$$;

comment on function api.team_view(uuid, text, integer) is
    'GET /api/organizations/{id}/tools/{slug}/team: readiness, who to nudge, every output''s answers side by side with its summary (a guru coaching it, admins; others PT404). p_min_respondents: TEAM_MIN_RESPONDENTS.';

revoke all on function api.team_view(uuid, text, integer) from public;
grant execute on function api.team_view(uuid, text, integer) to fasttrack_api;
