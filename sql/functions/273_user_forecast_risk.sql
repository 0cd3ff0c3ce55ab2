-- =============================================================================================
-- Per-user analytics, continued: the forecast of the finish date (at the current pace, and
-- against the organization's meeting schedule), the drop-off risk with its factors and weights,
-- and shared.user_analytics, the whole answer of GET /api/analytics/me and .../users/{id}.
-- =============================================================================================

/** Section: forecast ------------------------------------------------------------------------- */

create or replace function shared.user_forecast(p_user shared.users, p_zone text, p_today date,
                                                p_tools_last_4_weeks integer)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_total integer := (select count(*) from shared.tools);
    v_completed integer;
    v_remaining integer;
    v_pace numeric := round(p_tools_last_4_weeks / 4.0, 2);
    v_finish date;
    v_scheduled date;
    v_overdue integer;
begin
    select count(*) into v_completed
      from shared.user_progress as p where p.user_id = p_user.id and p.status = 'completed';
    v_remaining := v_total - v_completed;
    if v_remaining > 0 and v_pace > 0 then
        v_finish := p_today + ceil(v_remaining / (p_tools_last_4_weeks / 4.0) * 7)::integer;
    end if;
    if p_user.organization_id is not null then
        select max((m.meeting_at at time zone p_zone)::date),
               count(*) filter (where m.meeting_at < pg_catalog.now()
                                  and not exists (select from shared.user_progress as p
                                                   where p.user_id = p_user.id and p.tool_slug = m.tool_slug
                                                     and p.status = 'completed'))
          into v_scheduled, v_overdue
          from shared.meeting_schedules as m
         where m.organization_id = p_user.organization_id;
    end if;
    return jsonb_build_object(
        'tools_total', v_total,
        'tools_completed', v_completed,
        'tools_remaining', v_remaining,
        'pace_tools_per_week', v_pace,
        'finished', v_remaining = 0,
        'forecast_finish_date', v_finish,
        'schedule', case when v_scheduled is not null then jsonb_build_object(
            'scheduled_finish_date', v_scheduled,
            'days_behind', case when v_remaining = 0 then 0 when v_finish is not null then v_finish - v_scheduled end,
            'on_schedule', case when v_remaining = 0 then true
                                when v_finish is null then false
                                else v_finish <= v_scheduled and v_overdue = 0 end,
            'overdue_tools', v_overdue) end);
end;
$$;

comment on function shared.user_forecast(shared.users, text, date, integer) is
    'The finish date at the current pace (tools submitted in the last 4 weeks / 4 per week; today + ceil(remaining / pace * 7) days; none at pace 0) and, when the organization has meetings scheduled, against the last one: days behind, on schedule (finish by it and no tool whose meeting passed still open), overdue tools.';

revoke all on function shared.user_forecast(shared.users, text, date, integer) from public;

/** Section: drop-off risk -------------------------------------------------------------------- */

-- Four factors, each a value from 0 to 1 times its weight; the weights add up to 100. A user who
-- completed every tool is at no risk.
create or replace function shared.dropoff_risk(p_days_without_activity integer, p_trend text, p_struggling boolean,
                                               p_forecast jsonb)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
declare
    v_finished boolean := (p_forecast ->> 'finished')::boolean;
    v_factors jsonb;
begin
    with factor (name, weight, value, explained) as (
        values ('inactivity', 40, least(coalesce(p_days_without_activity, 0) / 14.0, 1),
                'days without a save or submit (since joining without one), 14 or more counting fully'),
               ('velocity_down', 20, case when p_trend = 'down' then 1 else 0 end,
                'fewer tools per active week in the last 4 weeks than in the 4 weeks before'),
               ('struggling', 20, case when p_struggling then 1 else 0 end,
                'above the 85th percentile of saves per submit, or of time on the current tool'),
               ('behind_schedule', 20,
                case when (p_forecast #>> '{schedule,on_schedule}')::boolean is false then 1 else 0 end,
                'the forecast finishes after the last scheduled meeting, or a tool whose meeting passed is open')
    )
    select jsonb_agg(jsonb_build_object(
               'factor', f.name, 'weight', f.weight,
               'value', case when v_finished then 0 else round(f.value, 2) end,
               'points', case when v_finished then 0 else round(f.weight * f.value, 1) end,
               'explained', f.explained) order by f.weight desc, f.name)
      into v_factors
      from factor as f;
    return jsonb_build_object(
        'score', (select round(sum((x.value ->> 'points')::numeric))::integer from jsonb_array_elements(v_factors) as x),
        'factors', v_factors);
end;
$$;

comment on function shared.dropoff_risk(integer, text, boolean, jsonb) is
    'The drop-off risk, 0 to 100: the sum of weight x value over inactivity (40, days without activity / 14, at most 1), velocity_down (20), struggling (20) and behind_schedule (20); 0 when every tool is completed. Answers the score and each factor with its weight, value, points and what it measures.';

revoke all on function shared.dropoff_risk(integer, text, boolean, jsonb) from public;

/** Section: the answer ----------------------------------------------------------------------- */

create or replace function shared.user_analytics(p_user shared.users)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_zone text := shared.organization_time_zone(p_user.organization_id);
    v_today date := (pg_catalog.now() at time zone v_zone)::date;
    v_joined integer := v_today - (coalesce(p_user.created_at, pg_catalog.now()) at time zone v_zone)::date;
    v_activity jsonb := shared.user_activity_figures(p_user, v_zone, v_today);
    v_days integer := (v_activity ->> 'days_since_last_activity')::integer;
    v_trend text := shared.velocity_trend((v_activity ->> 'velocity')::numeric,
                                          (v_activity ->> 'velocity_4_weeks_before')::numeric);
    v_struggle jsonb := shared.user_struggle(p_user, (v_activity ->> 'saves')::bigint, (v_activity ->> 'submits')::bigint);
    v_forecast jsonb := shared.user_forecast(p_user, v_zone, v_today,
                                             (v_activity ->> 'tools_submitted_last_4_weeks')::integer);
begin
    return jsonb_build_object(
        'data', jsonb_build_object(
            'user_id', p_user.id,
            'organization_id', p_user.organization_id,
            'time_zone', v_zone,
            'today', v_today,
            'joined_at', p_user.created_at,
            'days_since_joining', v_joined,
            'activity', v_activity,
            'engagement_status', shared.engagement_status(v_days, v_joined),
            'velocity', jsonb_build_object('tools_per_active_week', v_activity -> 'velocity',
                                           'tools_per_active_week_4_weeks_before', v_activity -> 'velocity_4_weeks_before',
                                           'trend', v_trend),
            'time_per_tool', shared.user_tool_times(p_user, v_zone),
            'struggle', v_struggle,
            'dropoff_risk', shared.dropoff_risk(coalesce(v_days, v_joined), v_trend,
                                                (v_struggle ->> 'struggling')::boolean, v_forecast),
            'forecast', v_forecast),
        'meta', shared.analytics_meta() || jsonb_build_object(
            'percentiles', shared.analytics_meta(array['shared.analytics_tool_times', 'shared.analytics_saves_per_submit'])));
end;
$$;

comment on function shared.user_analytics(shared.users) is
    'A user''s analytics, live (README "Analytics"): activity, engagement status, velocity and its trend, time per tool, struggle, drop-off risk with its factors, forecast; {data, meta} with meta live and meta.percentiles the snapshot the 85th percentiles come from.';

revoke all on function shared.user_analytics(shared.users) from public;
