-- =============================================================================================
-- One organization's analytics, computed live (its members only): the funnel per tool, stalled
-- members, and each member's pace against the program's median at the same number of days
-- since joining (that median from the snapshot shared.analytics_program_pace). Every figure
-- over members goes through shared.analytics_cell (k-anonymity). Definitions: README
-- "Organization and program analytics"; the per-member rows: shared.analytics_member_tools.
-- =============================================================================================

/** Section: funnel --------------------------------------------------------------------------- */

create or replace function shared.funnel_json(p_tool shared.tools, p_members integer, p_reached integer,
                                              p_completed integer, p_reached_next integer, p_stopped integer,
                                              p_timed integer, p_median_days double precision, p_last boolean,
                                              p_min_group integer)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_hidden jsonb := shared.too_few_to_show();
    v_counts boolean := p_members >= p_min_group;
begin
    -- shared.analytics_cell's rule, inline (a program's funnels are thousands of cells): counts
    -- over the group's members, the conversion over those who completed the tool, the median
    -- over those with a first save and a submit; p_min_group is shared.analytics_min_group()
    return jsonb_build_object(
        'tool', shared.tool_ref(p_tool),
        'reached', case when v_counts then pg_catalog.to_jsonb(p_reached) else v_hidden end,
        'completed', case when v_counts then pg_catalog.to_jsonb(p_completed) else v_hidden end,
        'conversion_to_next', case when p_last then null
                                   when p_completed >= p_min_group
                                   then pg_catalog.to_jsonb(round(100.0 * p_reached_next / p_completed, 1))
                                   else v_hidden end,
        'stopped_here', case when v_counts then pg_catalog.to_jsonb(p_stopped) else v_hidden end,
        'median_days', case when p_timed >= p_min_group then pg_catalog.to_jsonb(round(p_median_days::numeric, 1))
                            else v_hidden end);
end;
$$;

comment on function shared.funnel_json(shared.tools, integer, integer, integer, integer, integer, integer, double precision, boolean, integer) is
    'One tool of a funnel: reached, completed, stopped_here (shown when the members are >= p_min_group), conversion_to_next (percent of completers who reached the next sprint, over the completers; null for the last tool), median_days (over the timed completers).';

revoke all on function shared.funnel_json(shared.tools, integer, integer, integer, integer, integer, integer, double precision, boolean, integer) from public;

create or replace function shared.organization_funnel(p_organization_id uuid)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_last integer := (select max(t.sprint_number) from shared.tools as t);
    v_min integer := shared.analytics_min_group();
begin
    return (
        select coalesce(jsonb_agg(shared.funnel_json(t, f.members, f.reached, f.completed, f.reached_next, f.stopped,
                                                     f.timed, f.median_days, t.sprint_number = v_last, v_min)
                                  order by t.sprint_number), '[]')
          from (select m.tool_slug, count(*)::integer as members,
                       count(*) filter (where m.reached)::integer as reached,
                       count(*) filter (where m.completed)::integer as completed,
                       count(*) filter (where m.reached_next)::integer as reached_next,
                       count(*) filter (where m.furthest and m.quiet)::integer as stopped,
                       count(m.days)::integer as timed,
                       percentile_cont(0.5) within group (order by m.days) as median_days
                  from shared.analytics_member_tools as m
                 where m.organization_id = p_organization_id
                 group by m.tool_slug) as f
          join shared.tools as t on t.slug = f.tool_slug);
end;
$$;

comment on function shared.organization_funnel(uuid) is
    'The organization''s funnel, live: per tool in sprint order, shared.funnel_json over its business leaders.';

revoke all on function shared.organization_funnel(uuid) from public;

/** Section: stalled members ------------------------------------------------------------------ */

create or replace function shared.organization_stalled(p_organization_id uuid)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
begin
    -- names, not an aggregate: the organization's gurus see each member in coaching already
    return (
        select coalesce(jsonb_agg(jsonb_build_object('user', jsonb_build_object('id', s.user_id, 'email', s.email,
                                                                                'full_name', s.full_name),
                                                     'last_saved_at', s.last_saved_at)
                                  order by s.last_saved_at nulls first, s.email), '[]')
          from shared.member_states(p_organization_id) as s
          join shared.users as u on u.id = s.user_id and u.role = 'user'
         where s.stalled);
end;
$$;

comment on function shared.organization_stalled(uuid) is
    'The organization''s stalled business leaders (coaching''s definition, shared.member_states), longest quiet first.';

revoke all on function shared.organization_stalled(uuid) from public;

/** Section: pace ----------------------------------------------------------------------------- */

create or replace function shared.organization_pace(p_organization_id uuid)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_min integer := shared.analytics_min_group();
begin
    -- the program's median at a member's day is shown only when at least ANALYTICS_MIN_GROUP
    -- of the users it is taken over are outside this organization (the rest of the program)
    return (
        with members as (
            select u.id, u.email, u.full_name,
                   floor(extract(epoch from pg_catalog.now() - u.created_at) / 86400)::integer as day,
                   (select count(*) from shared.user_progress as p
                     where p.user_id = u.id and p.status = 'completed')::integer as completed
              from shared.users as u
             where u.organization_id = p_organization_id and u.role = 'user' and u.created_at is not null
        ), compared as (
            select m.*, pace.median_tools,
                   pace.users - (select count(*) from members as o where o.day >= m.day) >= v_min as shown
              from members as m
              left join shared.analytics_program_pace as pace on pace.day_since_joining = m.day
        )
        select jsonb_build_object(
                   'median_difference',
                   shared.analytics_cell(percentile_disc(0.5) within group (order by c.completed - c.median_tools)
                                             filter (where c.shown),
                                         (count(*) filter (where c.shown))::integer),
                   'members', coalesce(jsonb_agg(jsonb_build_object(
                       'user', jsonb_build_object('id', c.id, 'email', c.email, 'full_name', c.full_name),
                       'days_since_joining', c.day,
                       'tools_completed', c.completed,
                       'program_median', case when c.shown then pg_catalog.to_jsonb(c.median_tools)
                                              else shared.too_few_to_show() end,
                       'difference', case when c.shown then pg_catalog.to_jsonb(c.completed - c.median_tools)
                                          else shared.too_few_to_show() end)
                       order by c.email) filter (where c.id is not null), '[]'))
          from compared as c);
end;
$$;

comment on function shared.organization_pace(uuid) is
    'Each business leader''s tools completed against the program median at their day since joining (shown when >= ANALYTICS_MIN_GROUP users outside the organization make it), and the members'' median difference (k-anonymous).';

revoke all on function shared.organization_pace(uuid) from public;

/** Section: the answer ----------------------------------------------------------------------- */

create or replace function shared.organization_analytics(p_organization shared.organizations)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_members integer := (select count(*) from shared.users as u
                           where u.organization_id = p_organization.id and u.role = 'user');
    v_pace jsonb := shared.analytics_meta(array['shared.analytics_program_pace']);
begin
    return jsonb_build_object(
        'data', jsonb_build_object(
            'organization', jsonb_build_object('id', p_organization.id, 'name', p_organization.name),
            'members', v_members,
            'min_group', shared.analytics_min_group(),
            'funnel', shared.organization_funnel(p_organization.id),
            'stalled_members', shared.organization_stalled(p_organization.id),
            'pace', shared.organization_pace(p_organization.id)),
        -- the funnel and stalled members are live; the program median of pace is a snapshot
        'meta', v_pace || jsonb_build_object('sections', jsonb_build_object(
                    'funnel', shared.analytics_meta(), 'stalled_members', shared.analytics_meta(),
                    'pace', v_pace)));
end;
$$;

comment on function shared.organization_analytics(shared.organizations) is
    'GET /api/analytics/organizations/{id}: members, funnel, stalled members and pace; meta is the oldest part (the program pace snapshot), meta.sections each part''s.';

revoke all on function shared.organization_analytics(shared.organizations) from public;
