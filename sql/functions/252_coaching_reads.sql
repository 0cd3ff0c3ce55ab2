-- =============================================================================================
-- What a coach reads about a team: each member's last save and whether they are stalled, the
-- team's current tool, its next meeting and how ready the team is for it, the organizations a
-- caller may see with those figures, and the dashboard (members x tools).
--
-- A member's last save is the latest of their progress rows' started_at and completed_at and of
-- shared.submission_versions.replaced_at (every save that changes data copies the version it
-- replaces there, stamped with the time of that save; the first save of a tool starts it).
-- A member is stalled when a tool is in progress, or unlocked and due (the team has a meeting
-- about it scheduled), and they have not saved for 7 days (counted from the tool's unlock when
-- they never saved since).
-- =============================================================================================

/** Section: members -------------------------------------------------------------------------- */

create or replace function shared.organization_time_zone(p_organization shared.organizations)
returns text
language plpgsql
immutable
set search_path = ''
as $$
begin
    return coalesce(nullif(p_organization.settings ->> 'time_zone', ''), 'UTC');
end;
$$;

comment on function shared.organization_time_zone(shared.organizations) is
    'The organization''s time zone (settings.time_zone, an IANA name), UTC when it has none.';

revoke all on function shared.organization_time_zone(shared.organizations) from public;

create or replace function shared.member_states_of(p_organization_ids uuid[])
returns table (organization_id uuid, user_id uuid, email text, full_name text,
               last_saved_at timestamp with time zone, stalled boolean, first_open_tool integer)
language sql
stable
set search_path = ''
as $$
    -- one pass over each member's 31 progress rows and one over their saved versions (both by
    -- user_id); the teams' meeting tools once. Stalled: some counted tool (in progress, or
    -- unlocked with a meeting) and no save since max(last save, its unlock) + 7 days, which
    -- for "some tool" is the earliest unlock among them. first_open_tool: the position, in sprint
    -- order, of the first tool the member has open (unlocked or in progress), from the same pass.
    with tool_order as materialized (
        select array_agg(t.slug::text order by t.sprint_number) as slugs from shared.tools as t
    ), meetings as materialized (
        select m.organization_id, array_agg(m.tool_slug::text) as tools
          from shared.meeting_schedules as m where m.organization_id = any (p_organization_ids)
         group by m.organization_id
    )
    select u.organization_id, u.id, u.email::text, u.full_name::text, greatest(pr.progress_at, sv.saved_at),
           coalesce(pr.counted and greatest(pr.progress_at, sv.saved_at, pr.open_since) < pg_catalog.now() - interval '7 days',
                    false),
           pr.first_open
      from tool_order as o
      cross join shared.users as u
      left join meetings as mt on mt.organization_id = u.organization_id
      cross join lateral (
          select max(greatest(p.started_at, p.completed_at)) as progress_at,
                 coalesce(bool_or(p.status = 'in_progress' or (p.status = 'unlocked' and p.tool_slug = any (mt.tools))), false) as counted,
                 min(p.unlocked_at) filter (where p.status = 'in_progress' or (p.status = 'unlocked' and p.tool_slug = any (mt.tools))) as open_since,
                 min(pg_catalog.array_position(o.slugs, p.tool_slug::text)) filter (where p.status in ('unlocked', 'in_progress')) as first_open
            from shared.user_progress as p where p.user_id = u.id) as pr
      cross join lateral (
          select max(v.replaced_at) as saved_at from shared.submission_versions as v where v.user_id = u.id) as sv
     where u.organization_id = any (p_organization_ids);
$$;

comment on function shared.member_states_of(uuid[]) is
    'Each member of the given organizations with their last save, whether they are stalled (no save for 7 days while a tool is in progress, or unlocked with a meeting scheduled) and the sprint-order position of the first tool they have open.';

revoke all on function shared.member_states_of(uuid[]) from public;

create or replace function shared.member_states(p_organization_id uuid)
returns table (user_id uuid, email text, full_name text, last_saved_at timestamp with time zone, stalled boolean)
language sql
stable
set search_path = ''
as $$
    select s.user_id, s.email, s.full_name, s.last_saved_at, s.stalled
      from shared.member_states_of(array[p_organization_id]) as s;
$$;

comment on function shared.member_states(uuid) is
    'Each member of an organization with their last save and whether they are stalled (shared.member_states_of for one organization).';

revoke all on function shared.member_states(uuid) from public;

/** Section: the team ------------------------------------------------------------------------- */

create or replace function shared.meeting_json(p_organization shared.organizations, p_tool_slug text,
                                               p_meeting_at timestamp with time zone)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_zone text := shared.organization_time_zone(p_organization);
begin
    if p_meeting_at is null then
        return null;
    end if;
    return jsonb_build_object(
        'tool', (select shared.tool_ref(t) from shared.tools as t where t.slug = p_tool_slug),
        'meeting_at', p_meeting_at,
        'meeting_at_local', pg_catalog.to_char(p_meeting_at at time zone v_zone, 'YYYY-MM-DD"T"HH24:MI:SS'),
        'time_zone', v_zone);
end;
$$;

comment on function shared.meeting_json(shared.organizations, text, timestamp with time zone) is
    'A meeting as answers show it: the tool, meeting_at (an instant) and meeting_at_local in the organization''s time zone.';

revoke all on function shared.meeting_json(shared.organizations, text, timestamp with time zone) from public;

create or replace function shared.tool_readiness(p_organization_id uuid, p_tool_slug text)
returns jsonb
language sql
stable
set search_path = ''
as $$
    select jsonb_build_object(
               'members', count(*),
               'submitted', count(*) filter (where p.status = 'completed'),
               'in_progress', count(*) filter (where p.status = 'in_progress'),
               'not_started', count(*) filter (where p.status in ('locked', 'unlocked')),
               'percent_ready', case when count(*) = 0 then 0
                                     else round(100.0 * count(*) filter (where p.status = 'completed') / count(*), 1) end)
      from shared.users as u
      join shared.user_progress as p on p.user_id = u.id and p.tool_slug = p_tool_slug
     where u.organization_id = p_organization_id;
$$;

comment on function shared.tool_readiness(uuid, text) is
    'How ready a team is on a tool: members, submitted, in progress, not started (locked or unlocked) and percent_ready.';

revoke all on function shared.tool_readiness(uuid, text) from public;

create or replace function shared.team_figures(p_organization shared.organizations)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_next shared.meeting_schedules;
    v_current text;
begin
    select m.* into v_next from shared.meeting_schedules as m
     where m.organization_id = p_organization.id and m.meeting_at >= pg_catalog.now()
     order by m.meeting_at limit 1;
    -- the team's current tool: the one it meets about next; without a meeting, the lowest-sprint
    -- tool some member has open and not everyone has completed
    v_current := coalesce(v_next.tool_slug,
                          (select p.tool_slug from shared.users as u
                             join shared.user_progress as p on p.user_id = u.id
                             join shared.tools as t on t.slug = p.tool_slug
                            where u.organization_id = p_organization.id
                            group by p.tool_slug, t.sprint_number
                           having bool_or(p.status in ('unlocked', 'in_progress')) and not bool_and(p.status = 'completed')
                            order by t.sprint_number limit 1));
    return jsonb_build_object(
        'current_tool', (select shared.tool_ref(t) from shared.tools as t where t.slug = v_current),
        'next_meeting', shared.meeting_json(p_organization, v_next.tool_slug, v_next.meeting_at),
        'readiness', case when v_next.tool_slug is null then null
                          else shared.tool_readiness(p_organization.id, v_next.tool_slug)
                               || jsonb_build_object('tool', v_next.tool_slug) end);
end;
$$;

comment on function shared.team_figures(shared.organizations) is
    'The team''s current tool, its next meeting (null: none scheduled) and its readiness for that meeting.';

revoke all on function shared.team_figures(shared.organizations) from public;

/** Section: organizations and the dashboard -------------------------------------------------- */

create or replace function shared.organization_summaries(p_organization_ids uuid[])
returns jsonb
language sql
stable
set search_path = ''
as $$
    -- the figures of a page of organizations, each kind read once for all of them: member states
    -- (one pass over the members' progress) and next meetings. The current tool (as in
    -- shared.team_figures): the tool of the next meeting, else the lowest-sprint tool some member
    -- has open, which is one not every member has completed.
    with page as materialized (
        select o.id, o.slug, o as organization from shared.organizations as o where o.id = any (p_organization_ids)
    ), states as (
        select s.organization_id, count(*) as members, count(*) filter (where s.stalled) as stalled,
               min(s.first_open_tool) as first_open_tool
          from shared.member_states_of(p_organization_ids) as s group by s.organization_id
    ), tool_order as (
        select array_agg(t.slug::text order by t.sprint_number) as slugs from shared.tools as t
    ), next_meetings as (
        select distinct on (m.organization_id) m.organization_id, m.tool_slug, m.meeting_at
          from shared.meeting_schedules as m
         where m.organization_id = any (p_organization_ids) and m.meeting_at >= pg_catalog.now()
         order by m.organization_id, m.meeting_at, m.tool_slug
    )
    select coalesce(jsonb_agg(jsonb_build_object('id', g.id, 'name', (g.organization).name, 'slug', g.slug,
                                                 'group_id', (g.organization).group_id,
                                                 'time_zone', shared.organization_time_zone(g.organization),
                                                 'member_count', coalesce(st.members, 0),
                                                 'stalled_count', coalesce(st.stalled, 0),
                                                 'current_tool', (select shared.tool_ref(t) from shared.tools as t
                                                                   where t.slug = coalesce(n.tool_slug, o.slugs[st.first_open_tool])),
                                                 'next_meeting', shared.meeting_json(g.organization, n.tool_slug,
                                                                                     n.meeting_at))
                              order by g.slug), '[]')
      from page as g
      left join states as st on st.organization_id = g.id
      left join next_meetings as n on n.organization_id = g.id
      cross join tool_order as o;
$$;

comment on function shared.organization_summaries(uuid[]) is
    'The organizations of a page of GET /api/organizations, by slug: member count, stalled members, the current tool and the next meeting, computed for the whole page at once.';

revoke all on function shared.organization_summaries(uuid[]) from public;

create or replace function shared.list_organizations(p_caller shared.users, p_cursor text, p_limit integer)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_page uuid[];
begin
    -- by slug (unique): the cursor is the last slug of the page before
    select array_agg(o.id order by o.slug) into v_page
      from (select o.id, o.slug from shared.organizations as o
             where (p_cursor is null or o.slug > p_cursor)
               and (p_caller.role = 'admin'
                    or o.id = p_caller.organization_id
                    or (p_caller.role = 'guru' and o.id in (select shared.coached_organization_ids(p_caller.id))))
             order by o.slug limit p_limit + 1) as o;
    return jsonb_build_object(
        'items', shared.organization_summaries(coalesce(v_page[1:p_limit], '{}')),
        'next_cursor', case when coalesce(array_length(v_page, 1), 0) > p_limit
                            then (select o.slug from shared.organizations as o where o.id = v_page[p_limit]) end);
end;
$$;

comment on function shared.list_organizations(shared.users, text, integer) is
    'The organizations a caller may see (their own; a guru''s coached ones; all for an admin), by slug, one page after the cursor, with their figures.';

revoke all on function shared.list_organizations(shared.users, text, integer) from public;

create or replace function shared.organization_dashboard(p_organization shared.organizations)
returns jsonb
language sql
stable
set search_path = ''
as $$
    select jsonb_build_object(
               'organization', jsonb_build_object('id', p_organization.id, 'name', p_organization.name,
                                                  'slug', p_organization.slug,
                                                  'time_zone', shared.organization_time_zone(p_organization)),
               'tools', (select jsonb_agg(shared.tool_ref(t) order by t.sprint_number) from shared.tools as t),
               'members', (select coalesce(jsonb_agg(jsonb_build_object(
                                       'user', jsonb_build_object('id', s.user_id, 'email', s.email, 'full_name', s.full_name),
                                       'statuses', m.statuses, 'completed', m.completed,
                                       'last_saved_at', s.last_saved_at, 'stalled', s.stalled) order by s.email), '[]')
                             from shared.member_states(p_organization.id) as s
                             cross join lateral (
                                 select jsonb_agg(p.status order by t.sprint_number) as statuses,
                                        count(*) filter (where p.status = 'completed') as completed
                                   from shared.user_progress as p join shared.tools as t on t.slug = p.tool_slug
                                  where p.user_id = s.user_id) as m))
           || shared.team_figures(p_organization);
$$;

comment on function shared.organization_dashboard(shared.organizations) is
    'Members x tools: each member''s statuses in the order of tools (sprint order), last save and stalled flag; the team''s current tool, next meeting and readiness for it.';

revoke all on function shared.organization_dashboard(shared.organizations) from public;
