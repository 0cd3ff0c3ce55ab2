-- =============================================================================================
-- Per-user analytics, live from the user's facts (shared.activity_facts) and progress, with the
-- program-wide percentiles from the materialized views (271_analytics_refresh.sql). Each figure
-- is written down in the README's "Analytics" section exactly as computed here.
--
-- Days are local dates in the user's organization's time zone (shared.local_date); "today" is
-- the local date of now(). A week is a block of 7 local dates counted back from today (week 0:
-- today and the 6 dates before it); "the last 4 weeks" are weeks 0 to 3, "the 4 weeks before"
-- weeks 4 to 7.
-- =============================================================================================

/** Section: activity, engagement, velocity --------------------------------------------------- */

create or replace function shared.user_activity_figures(p_user shared.users, p_zone text, p_today date)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_figures jsonb;
begin
    with work as (
        select f.kind, f.tool_slug, f.occurred_at, (f.occurred_at at time zone p_zone)::date as day
          from shared.activity_facts as f
         where f.user_id = p_user.id and f.kind in ('save', 'submit')
    ), weeks as (
        select w.kind, w.tool_slug, w.day, (p_today - w.day) / 7 as week from work as w
    ), windows as (
        select count(distinct x.tool_slug) filter (where x.kind = 'submit' and x.week between 0 and 3) as tools_now,
               count(distinct x.week) filter (where x.week between 0 and 3) as weeks_now,
               count(distinct x.tool_slug) filter (where x.kind = 'submit' and x.week between 4 and 7) as tools_before,
               count(distinct x.week) filter (where x.week between 4 and 7) as weeks_before,
               count(distinct x.day) filter (where x.week between 0 and 3) as active_days_now
          from weeks as x
    )
    select jsonb_build_object(
               'last_activity_at', (select max(w.occurred_at) from work as w),
               'days_since_last_activity', p_today - (select max(w.day) from work as w),
               'active_days', (select count(distinct w.day) from work as w),
               'active_days_last_4_weeks', n.active_days_now,
               'saves', (select count(*) from work as w where w.kind = 'save'),
               'submits', (select count(*) from work as w where w.kind = 'submit'),
               'tools_submitted_last_4_weeks', n.tools_now,
               'active_weeks_last_4_weeks', n.weeks_now,
               'tools_submitted_4_weeks_before', n.tools_before,
               'active_weeks_4_weeks_before', n.weeks_before,
               'velocity', case when n.weeks_now > 0 then round(n.tools_now::numeric / n.weeks_now, 2) end,
               'velocity_4_weeks_before', case when n.weeks_before > 0 then round(n.tools_before::numeric / n.weeks_before, 2) end)
      into v_figures
      from windows as n;
    return v_figures;
end;
$$;

comment on function shared.user_activity_figures(shared.users, text, date) is
    'A user''s activity from their save and submit facts, in local dates of p_zone: last activity, days since it, active days, saves and submits, and the velocity (distinct tools submitted per active week) of the last 4 weeks and of the 4 weeks before.';

revoke all on function shared.user_activity_figures(shared.users, text, date) from public;

create or replace function shared.engagement_status(p_days_since_activity integer, p_days_since_joining integer)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
    v_days integer := coalesce(p_days_since_activity, p_days_since_joining);
begin
    if p_days_since_activity is null and p_days_since_joining >= 14 then
        return 'not_started';
    end if;
    return case when v_days <= 7 then 'active' when v_days <= 14 then 'slowing' else 'inactive' end;
end;
$$;

comment on function shared.engagement_status(integer, integer) is
    'not_started: no save or submit and joined 14 or more days ago; otherwise, by the days since the last active day (since joining without one): active 0 to 7, slowing 8 to 14, inactive 15 or more.';

revoke all on function shared.engagement_status(integer, integer) from public;

create or replace function shared.velocity_trend(p_now numeric, p_before numeric)
returns text
language plpgsql
immutable
set search_path = ''
as $$
begin
    if p_now is null and p_before is null then
        return null;
    end if;
    return case when coalesce(p_now, 0) > coalesce(p_before, 0) then 'up'
                when coalesce(p_now, 0) < coalesce(p_before, 0) then 'down'
                else 'steady' end;
end;
$$;

comment on function shared.velocity_trend(numeric, numeric) is
    'up, down or steady: the last 4 weeks'' velocity against the 4 weeks before (no active week counts as 0); null when neither had an active week.';

revoke all on function shared.velocity_trend(numeric, numeric) from public;

/** Section: time per tool and struggle ------------------------------------------------------- */

create or replace function shared.user_tool_times(p_user shared.users, p_zone text)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_times jsonb;
begin
    with per_tool as (
        select f.tool_slug,
               min(f.occurred_at) as started_at,
               min(f.occurred_at) filter (where f.kind = 'submit') as submitted_at
          from shared.activity_facts as f
         where f.user_id = p_user.id and f.kind in ('save', 'submit')
         group by f.tool_slug
    )
    select coalesce(jsonb_agg(jsonb_build_object(
               'tool', t.slug, 'sprint_number', t.sprint_number,
               'started_at', p.started_at, 'submitted_at', p.submitted_at,
               'days', round((extract(epoch from p.submitted_at - p.started_at) / 86400.0)::numeric, 2),
               'active_days', (select count(distinct (f.occurred_at at time zone p_zone)::date)
                                 from shared.activity_facts as f
                                where f.user_id = p_user.id and f.tool_slug = p.tool_slug
                                  and f.kind in ('save', 'submit')
                                  and f.occurred_at between p.started_at and p.submitted_at))
             order by t.sprint_number), '[]')
      into v_times
      from per_tool as p join shared.tools as t on t.slug = p.tool_slug
     where p.submitted_at is not null;
    return v_times;
end;
$$;

comment on function shared.user_tool_times(shared.users, text) is
    'Per tool the user submitted: from their first save (or the submit, without a save) to their first submit, in days (2 decimals) and in active days (local dates of p_zone with a save or submit of that tool in between, both ends included).';

revoke all on function shared.user_tool_times(shared.users, text) from public;

create or replace function shared.user_struggle(p_user shared.users, p_saves bigint, p_submits bigint)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_tool shared.tools;
    v_started timestamptz;
    v_days numeric;
    v_ratio numeric := case when p_submits > 0 then round(p_saves::numeric / p_submits, 2) end;
    v_tool_times shared.analytics_tool_times;
    v_saves shared.analytics_saves_per_submit;
    v_over_time boolean;
    v_over_saves boolean;
begin
    -- the current tool: the one in progress the user saved last
    select t.* into v_tool
      from shared.user_progress as p join shared.tools as t on t.slug = p.tool_slug
     where p.user_id = p_user.id and p.status = 'in_progress'
     order by (select max(f.occurred_at) from shared.activity_facts as f
                where f.user_id = p_user.id and f.tool_slug = p.tool_slug and f.kind = 'save') desc nulls last,
              t.sprint_number
     limit 1;
    if v_tool.slug is not null then
        -- time on it: since its first save after the last start over
        select min(f.occurred_at) into v_started
          from shared.activity_facts as f
         where f.user_id = p_user.id and f.tool_slug = v_tool.slug and f.kind = 'save'
           and f.occurred_at >= coalesce((select max(s.occurred_at) from shared.activity_facts as s
                                           where s.user_id = p_user.id and s.tool_slug = v_tool.slug
                                             and s.kind = 'start_over'), '-infinity');
        v_days := round((extract(epoch from pg_catalog.now() - v_started) / 86400.0)::numeric, 2);
        select m.* into v_tool_times from shared.analytics_tool_times as m where m.tool_slug = v_tool.slug;
        if shared.k_anonymous(v_tool_times.users) then
            v_over_time := v_days > v_tool_times.p85_days;
        end if;
    end if;
    select m.* into v_saves from shared.analytics_saves_per_submit as m;
    if shared.k_anonymous(v_saves.users) and v_ratio is not null then
        v_over_saves := v_ratio > v_saves.p85_ratio;
    end if;
    return jsonb_build_object(
        'saves_per_submit', v_ratio,
        'program_p85_saves_per_submit', shared.group_figure(v_saves.users, to_jsonb(v_saves.p85_ratio)),
        'above_p85_saves_per_submit', v_over_saves,
        'current_tool', v_tool.slug,
        'days_on_current_tool', v_days,
        'current_tool_p85_days', case when v_tool.slug is not null
                                      then shared.group_figure(v_tool_times.users, to_jsonb(v_tool_times.p85_days)) end,
        'above_p85_time', v_over_time,
        'struggling', coalesce(v_over_time, false) or coalesce(v_over_saves, false));
end;
$$;

comment on function shared.user_struggle(shared.users, bigint, bigint) is
    'Struggle: saves per submit against the program''s 85th percentile, and the days on the current tool (the in-progress one saved last, since its first save after the last start over) against that tool''s 85th percentile (shared.analytics_tool_times); struggling when either is above. A percentile over fewer than ANALYTICS_MIN_GROUP users is "too few to show" and flags nothing.';

revoke all on function shared.user_struggle(shared.users, bigint, bigint) from public;
