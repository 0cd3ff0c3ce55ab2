-- =============================================================================================
-- Gamification rules, computed from the submit facts (shared.activity_facts, kind 'submit'):
-- points per submitted tool, on time or late against the team's meeting
-- (shared.meeting_schedules), and the weekly streak with its forgiven weeks. Every rule is
-- written down, exactly, in the README section "Gamification".
-- =============================================================================================

/** Section: constants ------------------------------------------------------------------------ */

create or replace function shared.gamification_rules()
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
begin
    -- one place for the numbers the README states
    return jsonb_build_object('points_per_tool', 10, 'points_on_time_bonus', 5,
                              'forgive_one_missed_week_per', 8, 'streak_award_weeks', 8,
                              'on_time_run_award', 5);
end;
$$;

comment on function shared.gamification_rules() is
    'The gamification numbers: points per submitted tool, the on-time bonus, one missed week forgiven per 8 weeks, the streak and on-time run that earn awards.';

revoke all on function shared.gamification_rules() from public;

create or replace function shared.user_time_zone(p_user_id uuid)
returns text
language plpgsql
stable
set search_path = ''
as $$
begin
    return shared.organization_time_zone((select u.organization_id from shared.users as u where u.id = p_user_id));
end;
$$;

comment on function shared.user_time_zone(uuid) is
    'The time zone of the user''s organization (UTC when they have none or it has none): the calendar of their weeks.';

revoke all on function shared.user_time_zone(uuid) from public;

/** Section: submitted tools and points ------------------------------------------------------- */

create or replace function shared.submitted_tools(p_user_id uuid)
returns table (tool_slug varchar, module_id integer, first_submitted_at timestamptz, meeting_at timestamptz,
               on_time boolean)
language plpgsql
stable
set search_path = ''
as $$
begin
    -- each tool once, at its first submit; the meeting is the one of the organization the
    -- user was in when they submitted (the fact's organization)
    return query
    select f.tool_slug, t.module_id, f.first_at, m.meeting_at, coalesce(f.first_at < m.meeting_at, false)
      from (select distinct on (a.tool_slug) a.tool_slug, a.occurred_at as first_at, a.organization_id
              from shared.activity_facts as a
             where a.user_id = p_user_id and a.kind = 'submit'
             order by a.tool_slug, a.occurred_at) as f
      join shared.tools as t on t.slug = f.tool_slug
      left join shared.meeting_schedules as m on m.organization_id = f.organization_id and m.tool_slug = f.tool_slug
     order by f.first_at, f.tool_slug;
end;
$$;

comment on function shared.submitted_tools(uuid) is
    'The tools a user has submitted, each once at its first submit, with its module, the team''s meeting about it and whether the submit came before that meeting (no meeting: not on time).';

revoke all on function shared.submitted_tools(uuid) from public;

create or replace function shared.user_points(p_user_id uuid)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_rules jsonb := shared.gamification_rules();
    v_per_tool integer := (v_rules ->> 'points_per_tool')::integer;
    v_bonus integer := (v_rules ->> 'points_on_time_bonus')::integer;
begin
    return (select jsonb_build_object(
                       'total', coalesce(sum(v_per_tool + case when s.on_time then v_bonus else 0 end), 0),
                       'tools_submitted', count(*),
                       'tools_on_time', count(*) filter (where s.on_time),
                       'tools', coalesce(jsonb_agg(jsonb_build_object(
                                    'slug', s.tool_slug, 'submitted_at', s.first_submitted_at,
                                    'meeting_at', s.meeting_at, 'on_time', s.on_time,
                                    'points', v_per_tool + case when s.on_time then v_bonus else 0 end)
                                order by s.first_submitted_at, s.tool_slug), '[]'))
              from shared.submitted_tools(p_user_id) as s);
end;
$$;

comment on function shared.user_points(uuid) is
    'A user''s points: points_per_tool for each tool submitted, plus points_on_time_bonus when its first submit came before the team''s meeting about it; with each tool''s share.';

revoke all on function shared.user_points(uuid) from public;

/** Section: streak --------------------------------------------------------------------------- */

create or replace function shared.submit_streak(p_user_id uuid, p_as_of timestamptz default pg_catalog.now())
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_zone text := shared.user_time_zone(p_user_id);
    v_gap integer := 7 * (shared.gamification_rules() ->> 'forgive_one_missed_week_per')::integer;
    v_current date := pg_catalog.date_trunc('week', p_as_of at time zone v_zone)::date;
    v_weeks date[];
    v_cursor date;
    v_index integer := 1;
    v_counted date[] := '{}';
    v_forgiven date[] := '{}';
begin
    -- ISO weeks (Monday first) in the user's organization's time zone, newest first
    select coalesce(array_agg(w.week order by w.week desc), '{}') into v_weeks
      from (select distinct pg_catalog.date_trunc('week', a.occurred_at at time zone v_zone)::date as week
              from shared.activity_facts as a
             where a.user_id = p_user_id and a.kind = 'submit' and a.occurred_at <= p_as_of) as w;
    -- the current week is not missed while it lasts
    v_cursor := case when v_weeks[1] = v_current then v_current else v_current - 7 end;
    while v_index <= pg_catalog.cardinality(v_weeks) loop
        if v_weeks[v_index] = v_cursor then
            v_counted := v_counted || v_cursor;
            v_index := v_index + 1;
        elsif v_weeks[v_index] = v_cursor - 7
              and (pg_catalog.cardinality(v_forgiven) = 0 or v_forgiven[pg_catalog.cardinality(v_forgiven)] - v_cursor >= v_gap) then
            -- one missed week between two weeks with a submit, at least 8 weeks after the
            -- previous forgiven one (never two in any 8 consecutive weeks)
            v_forgiven := v_forgiven || v_cursor;
        else
            exit;
        end if;
        v_cursor := v_cursor - 7;
    end loop;
    if pg_catalog.cardinality(v_counted) = 0 then
        v_forgiven := '{}';
    end if;
    return jsonb_build_object('weeks', pg_catalog.cardinality(v_counted),
                              'week_starts', to_jsonb(v_counted), 'forgiven_weeks', to_jsonb(v_forgiven),
                              'current_week', v_current, 'time_zone', v_zone,
                              'submitted_this_week', v_weeks[1] is not distinct from v_current);
end;
$$;

comment on function shared.submit_streak(uuid, timestamptz) is
    'The user''s current weekly streak at p_as_of: consecutive ISO weeks (organization''s time zone) with a submit, counting back from this week (or last week while this one has none yet); a single missed week between two submit weeks is forgiven when no other forgiven week is within the 8 weeks after it; weeks counts submit weeks only.';

revoke all on function shared.submit_streak(uuid, timestamptz) from public;
