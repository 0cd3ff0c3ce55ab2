-- =============================================================================================
-- Organization and program analytics: each member's standing on each tool (one view, read live
-- for one organization), and the program-wide aggregates as materialized views refreshed by
-- shared.refresh_analytics() (each has a unique index so it can be refreshed concurrently).
-- Who counts: users of role 'user' (business leaders); days since joining count from
-- users.created_at. Figures read the progress table and the activity facts only.
-- The views are dropped and created again whenever this file changes (a materialized view
-- cannot be replaced in place); shared.refresh_analytics() fills them after that.
-- =============================================================================================

drop materialized view if exists shared.analytics_group_summaries;
drop materialized view if exists shared.analytics_program_pace;
drop materialized view if exists shared.analytics_tool_funnels;
drop view if exists shared.analytics_member_tools;

-- One row per user of role 'user' and tool:
--   reached     a first save stamped the progress row's started_at
--   completed   the progress row is completed (submitted)
--   reached_next completed, and the tool of the next sprint reached
--   days        first save to submit in days (completed_at - started_at), completed rows only
--   furthest    this is the highest sprint the user reached
--   quiet       nothing saved or submitted for 14 days (the latest of the progress rows'
--               started_at and completed_at and of the user's save and submit facts); a user
--               who never saved is quiet
create view shared.analytics_member_tools as
select u.id as user_id, u.organization_id, u.created_at as joined_at, p.tool_slug, t.sprint_number,
       p.started_at is not null as reached,
       p.status = 'completed' as completed,
       p.status = 'completed'
           and coalesce(lead(p.started_at is not null) over member_sprints, false) as reached_next,
       case when p.status = 'completed'
            then extract(epoch from p.completed_at - p.started_at) / 86400 end as days,
       p.started_at is not null
           and t.sprint_number = max(t.sprint_number) filter (where p.started_at is not null) over member as furthest,
       coalesce(greatest(max(greatest(p.started_at, p.completed_at)) over member, sv.saved_at)
                    < pg_catalog.now() - interval '14 days', true) as quiet
  from shared.users as u
  join shared.user_progress as p on p.user_id = u.id
  join shared.tools as t on t.slug = p.tool_slug
  -- the latest save or submit: one backward scan of the facts' (user_id, occurred_at) index
  left join lateral (select f.occurred_at as saved_at
                       from shared.activity_facts as f
                      where f.user_id = u.id and f.kind in ('save', 'submit')
                      order by f.occurred_at desc limit 1) as sv on true
 where u.role = 'user'
window member as (partition by u.organization_id, u.id),
       member_sprints as (partition by u.organization_id, u.id order by t.sprint_number);

comment on view shared.analytics_member_tools is
    'Each business leader x tool: reached (first save), completed (submitted), reached_next (completed and the next sprint reached), days (first save to submit), furthest (highest sprint reached), quiet (nothing saved or submitted for 14 days).';

-- The funnel per tool, by organization, by joining month (UTC) and for the whole program, in
-- one pass (grouping sets). group_key: the organization id, YYYY-MM, or '' for the program.
create materialized view shared.analytics_tool_funnels as
select case when grouping(m.organization_id) = 0 then 'organization'
            when grouping(pg_catalog.to_char(m.joined_at at time zone 'UTC', 'YYYY-MM')) = 0 then 'joining_month'
            else 'program' end as grouping_kind,
       coalesce(m.organization_id::text, pg_catalog.to_char(m.joined_at at time zone 'UTC', 'YYYY-MM'), '') as group_key,
       m.tool_slug, min(m.sprint_number) as sprint_number,
       count(*)::integer as members,
       count(*) filter (where m.reached)::integer as reached,
       count(*) filter (where m.completed)::integer as completed,
       count(*) filter (where m.reached_next)::integer as reached_next,
       count(*) filter (where m.furthest and m.quiet)::integer as stopped,
       count(m.days)::integer as timed,
       percentile_cont(0.5) within group (order by m.days) as median_days
  from shared.analytics_member_tools as m
 where m.joined_at is not null
 group by grouping sets ((m.organization_id, m.tool_slug),
                         (pg_catalog.to_char(m.joined_at at time zone 'UTC', 'YYYY-MM'), m.tool_slug),
                         (m.tool_slug))
having grouping(m.organization_id) = 1 or m.organization_id is not null;

create unique index analytics_tool_funnels_key on shared.analytics_tool_funnels (grouping_kind, group_key, tool_slug);

comment on materialized view shared.analytics_tool_funnels is
    'Per tool: members, reached, completed, reached_next, stopped (furthest tool and quiet for 14 days), timed and median_days (first save to submit), by organization, by joining month (UTC) and for the program. Refreshed by shared.refresh_analytics().';

-- The program's pace: for each day since joining d, among the users who joined at least d days
-- ago, the median number of tools completed within their first d days (percentile_disc 0.5:
-- the lower middle value). Built from step changes (a user's count rises at each completion),
-- so it costs one pass over the completions, not users x days.
create materialized view shared.analytics_program_pace as
with members as (
    select u.id, u.created_at,
           floor(extract(epoch from pg_catalog.now() - u.created_at) / 86400)::integer as tenure
      from shared.users as u
     where u.role = 'user' and u.created_at <= pg_catalog.now()
), counts as (  -- count c holds from day from_day to to_day (the day before the next completion)
    select s.c, s.from_day,
           lead(s.from_day, 1, s.tenure + 1) over (partition by s.id order by s.c) - 1 as to_day
      from (select m.id, 0 as c, 0 as from_day, m.tenure from members as m
            union all
            select m.id, row_number() over (partition by m.id order by p.completed_at)::integer,
                   greatest(0, floor(extract(epoch from p.completed_at - m.created_at) / 86400)::integer), m.tenure
              from members as m join shared.user_progress as p on p.user_id = m.id
             where p.status = 'completed') as s
), deltas as (
    select c.from_day as day, c.c, 1 as delta from counts as c where c.from_day <= c.to_day
    union all
    select c.to_day + 1, c.c, -1 from counts as c where c.from_day <= c.to_day
), days as (
    select d.day from pg_catalog.generate_series(0, (select coalesce(max(m.tenure), -1) from members as m)) as d (day)
), grid as (  -- users at day d whose count is c
    select d.day, k.c,
           sum(coalesce(x.delta, 0)) over (partition by k.c order by d.day) as users
      from days as d
      cross join (select distinct c.c from counts as c) as k
      left join (select x.day, x.c, sum(x.delta) as delta from deltas as x group by x.day, x.c) as x
        on x.day = d.day and x.c = k.c
), ranked as (
    select g.day, g.c, g.users,
           sum(g.users) over (partition by g.day order by g.c) as at_most,
           sum(g.users) over (partition by g.day) as total
      from grid as g
)
select r.day as day_since_joining, r.total::integer as users, min(r.c) filter (where r.at_most * 2 >= r.total) as median_tools
  from ranked as r
 where r.total > 0
 group by r.day, r.total;

create unique index analytics_program_pace_key on shared.analytics_program_pace (day_since_joining);

comment on materialized view shared.analytics_program_pace is
    'For each day since joining d: users who joined at least d days ago, and the median (percentile_disc 0.5) of the tools each completed within their first d days. Refreshed by shared.refresh_analytics().';

-- Per group of members (organization, joining month, program): members, stalled members
-- (coaching's definition, shared.member_states), the median of tools completed, and pace: the
-- median of (tools completed - the program's median at the member's days since joining), over
-- the members whose day has a program figure of at least shared.analytics_min_group() users.
create materialized view shared.analytics_group_summaries as
with members as (
    select u.id, u.organization_id, pg_catalog.to_char(u.created_at at time zone 'UTC', 'YYYY-MM') as joining_month,
           floor(extract(epoch from pg_catalog.now() - u.created_at) / 86400)::integer as tenure,
           (select count(*) from shared.user_progress as p
             where p.user_id = u.id and p.status = 'completed')::integer as tools_completed
      from shared.users as u
     where u.role = 'user' and u.created_at is not null
), stalled as (
    select s.user_id from shared.organizations as o cross join lateral shared.member_states(o.id) as s where s.stalled
)
select case when grouping(m.organization_id) = 0 then 'organization'
            when grouping(m.joining_month) = 0 then 'joining_month'
            else 'program' end as grouping_kind,
       coalesce(m.organization_id::text, m.joining_month, '') as group_key,
       count(*)::integer as members,
       count(st.user_id)::integer as stalled,
       percentile_disc(0.5) within group (order by m.tools_completed) as median_tools,
       count(pace.median_tools)::integer as compared,
       percentile_disc(0.5) within group (order by m.tools_completed - pace.median_tools) as median_pace
  from members as m
  left join stalled as st on st.user_id = m.id
  left join shared.analytics_program_pace as pace
    on pace.day_since_joining = m.tenure and pace.users >= shared.analytics_min_group()
 group by grouping sets ((m.organization_id), (m.joining_month), ())
having grouping(m.organization_id) = 1 or m.organization_id is not null;

create unique index analytics_group_summaries_key on shared.analytics_group_summaries (grouping_kind, group_key);

comment on materialized view shared.analytics_group_summaries is
    'Per organization, joining month (UTC) and for the program: members, stalled (coaching''s definition), median_tools (completed), compared and median_pace (tools completed minus the program median at the same day since joining). Refreshed by shared.refresh_analytics().';
