-- =============================================================================================
-- Program-wide analytics (admins): the funnel and the summary (members, stalled, tools
-- completed, pace) for the program, by organization and by joining month, read from the
-- materialized views of 281_analytics_views.sql (refreshed by shared.refresh_analytics()).
-- Every figure goes through shared.analytics_cell (k-anonymity).
-- =============================================================================================

/** Section: one group ------------------------------------------------------------------------ */

-- (plain arguments, not the view's row type: a function depending on the view would stop
-- 281_analytics_views.sql from dropping and creating it again)
create or replace function shared.group_summary_json(p_members integer, p_stalled integer, p_median_tools integer,
                                                     p_compared integer, p_median_pace integer)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
begin
    return jsonb_build_object(
        'members', shared.analytics_cell(p_members, p_members),
        'stalled', shared.analytics_cell(p_stalled, p_members),
        'median_tools_completed', shared.analytics_cell(p_median_tools, p_members),
        'median_pace_difference', shared.analytics_cell(p_median_pace, p_compared));
end;
$$;

comment on function shared.group_summary_json(integer, integer, integer, integer, integer) is
    'A group''s summary: members, stalled, median_tools_completed (over its members), median_pace_difference (over the members compared with the program), each k-anonymous.';

revoke all on function shared.group_summary_json(integer, integer, integer, integer, integer) from public;

create or replace function shared.group_funnels(p_kind text)
returns table (group_key text, funnel jsonb)
language plpgsql
stable
set search_path = ''
as $$
declare
    v_last integer := (select max(t.sprint_number) from shared.tools as t);
    v_min integer := shared.analytics_min_group();
    v_hidden jsonb := shared.too_few_to_show();
begin
    -- shared.funnel_json's cells, set-based: a program of 5,000 organizations has 155,000 of
    -- them, too many for a function call each
    return query
    select f.group_key,
           jsonb_agg(jsonb_build_object(
               'tool', shared.tool_ref(t),
               'reached', case when f.members >= v_min then pg_catalog.to_jsonb(f.reached) else v_hidden end,
               'completed', case when f.members >= v_min then pg_catalog.to_jsonb(f.completed) else v_hidden end,
               'conversion_to_next', case when t.sprint_number = v_last then null
                                          when f.completed >= v_min
                                          then pg_catalog.to_jsonb(round(100.0 * f.reached_next / f.completed, 1))
                                          else v_hidden end,
               'stopped_here', case when f.members >= v_min then pg_catalog.to_jsonb(f.stopped) else v_hidden end,
               'median_days', case when f.timed >= v_min then pg_catalog.to_jsonb(round(f.median_days::numeric, 1))
                                   else v_hidden end)
               order by t.sprint_number)
      from shared.analytics_tool_funnels as f
      join shared.tools as t on t.slug = f.tool_slug
     where f.grouping_kind = p_kind
     group by f.group_key;
end;
$$;

comment on function shared.group_funnels(text) is
    'Every group''s funnel of one kind (organization, joining_month, program) from the snapshot shared.analytics_tool_funnels, per tool in sprint order, with shared.funnel_json''s cells.';

revoke all on function shared.group_funnels(text) from public;

/** Section: the answer ----------------------------------------------------------------------- */

create or replace function shared.program_analytics()
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
begin
    return jsonb_build_object(
        'data', jsonb_build_object(
            'min_group', shared.analytics_min_group(),
            'program', (select jsonb_build_object('summary', shared.group_summary_json(s.members, s.stalled, s.median_tools, s.compared, s.median_pace),
                                                  'funnel', coalesce(f.funnel, '[]'))
                          from shared.analytics_group_summaries as s
                          left join shared.group_funnels('program') as f on f.group_key = s.group_key
                         where s.grouping_kind = 'program' and s.group_key = ''),
            'by_organization', (
                select coalesce(jsonb_agg(jsonb_build_object(
                           'organization', jsonb_build_object('id', o.id, 'name', o.name),
                           'summary', shared.group_summary_json(s.members, s.stalled, s.median_tools, s.compared, s.median_pace),
                           'funnel', coalesce(f.funnel, '[]'))
                           order by o.name, o.id), '[]')
                  from shared.analytics_group_summaries as s
                  join shared.organizations as o on o.id::text = s.group_key
                  left join shared.group_funnels('organization') as f on f.group_key = s.group_key
                 where s.grouping_kind = 'organization'),
            'by_joining_month', (
                select coalesce(jsonb_agg(jsonb_build_object(
                           'month', s.group_key,
                           'summary', shared.group_summary_json(s.members, s.stalled, s.median_tools, s.compared, s.median_pace),
                           'funnel', coalesce(f.funnel, '[]'))
                           order by s.group_key), '[]')
                  from shared.analytics_group_summaries as s
                  left join shared.group_funnels('joining_month') as f on f.group_key = s.group_key
                 where s.grouping_kind = 'joining_month')),
        'meta', shared.analytics_meta(array['shared.analytics_tool_funnels', 'shared.analytics_program_pace',
                                                     'shared.analytics_group_summaries']));
end;
$$;

comment on function shared.program_analytics() is
    'GET /api/analytics/program: summary and funnel for the program, by organization and by joining month (UTC), from the snapshots; meta their oldest refresh.';

revoke all on function shared.program_analytics() from public;
