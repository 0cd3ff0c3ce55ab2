-- =============================================================================================
-- Analytics facts: every save, submit, unlock, start-over and sign-in, with the user, their
-- organization at the time, the tool and the time. Written by the functions and triggers that do
-- the work (070_submission_triggers.sql, 050_progress.sql, 080_submissions.sql, 140_api_auth.sql);
-- analytics read these facts and shared.user_progress only. Filled here from what the service
-- already kept: the saved versions, the submissions, the progress changes and the last sign-in.
-- depends: 0015_coaching_read_speed
-- =============================================================================================

create table shared.activity_facts (
    id bigint generated always as identity primary key,
    kind text not null check (kind in ('save', 'submit', 'unlock', 'start_over', 'login')),
    user_id uuid not null references shared.users (id) on delete cascade,
    organization_id uuid,
    tool_slug varchar(255) references shared.tools (slug),
    occurred_at timestamp with time zone not null default current_timestamp
);
comment on table shared.activity_facts is
    'What users did, one row per save, submit, unlock, start over and sign-in: the facts analytics read.';
comment on column shared.activity_facts.organization_id is
    'The user''s organization when it happened (a submission''s organization for saves and submits); null when none.';
comment on column shared.activity_facts.tool_slug is 'The tool (null for a sign-in).';

-- a user's history (per-user analytics, erasure), an organization's (organization analytics)
create index activity_facts_user_idx on shared.activity_facts (user_id, occurred_at);
create index activity_facts_organization_idx on shared.activity_facts (organization_id, occurred_at);

/** Section: backfill ------------------------------------------------------------------------- */

-- One save per saved version that was not submitted and per unsubmitted submission's last save
-- (neither the empty draft a start over opens); one submit per submitted version and per submission
-- whose current version is submitted; one unlock per progress change to unlocked; one start over
-- per archived submission; one sign-in per user's last sign-in.
do $$
declare
    v_tool record;
begin
    for v_tool in select t.slug, t.schema_name from shared.tools as t order by t.sprint_number loop
        execute format($q$
            insert into shared.activity_facts (kind, user_id, organization_id, tool_slug, occurred_at)
            select case when v.status = 'submitted' then 'submit' else 'save' end,
                   v.user_id, s.organization_id, v.tool_slug, coalesce(v.saved_at, v.replaced_at)
              from shared.submission_versions as v
              join %1$I.submissions as s on s.id = v.submission_id
             where v.tool_slug = %2$L and v.data <> '{}'::jsonb
            union all
            select case when s.status in ('submitted', 'completed') then 'submit' else 'save' end,
                   s.user_id, s.organization_id, %2$L,
                   case when s.status in ('submitted', 'completed') then coalesce(s.submitted_at, s.updated_at)
                        else s.updated_at end
              from %1$I.submissions as s
             where s.data <> '{}'::jsonb or s.status in ('submitted', 'completed')
            union all
            select 'start_over', s.user_id, s.organization_id, %2$L, s.archived_at
              from %1$I.submissions as s
             where s.archived_at is not null$q$, v_tool.schema_name, v_tool.slug);
    end loop;
end;
$$;

insert into shared.activity_facts (kind, user_id, organization_id, tool_slug, occurred_at)
select 'unlock', c.user_id, u.organization_id, c.tool_slug, c.changed_at
  from shared.progress_changes as c
  join shared.users as u on u.id = c.user_id
 where c.new_status = 'unlocked' and c.old_status = 'locked'
   and exists (select from shared.tools as t where t.slug = c.tool_slug);

insert into shared.activity_facts (kind, user_id, organization_id, tool_slug, occurred_at)
select 'login', u.id, u.organization_id, null, u.last_login
  from shared.users as u
 where u.last_login is not null;

/** Section: refreshing the heavy aggregates -------------------------------------------------- */

create table shared.analytics_refreshes (
    view_name text primary key,
    calculated_at timestamp with time zone not null,
    duration_ms integer not null,
    trigger text not null check (trigger in ('schedule', 'manual', 'migrate'))
);
comment on table shared.analytics_refreshes is
    'When each analytics materialized view was last calculated, how long it took and what started it (shared.refresh_analytics).';

create table shared.analytics_refresh_requests (
    id bigint generated always as identity primary key,
    requested_by uuid not null references shared.users (id) on delete cascade,
    requested_at timestamp with time zone not null default current_timestamp
);
create index analytics_refresh_requests_user_idx on shared.analytics_refresh_requests (requested_by, requested_at);
comment on table shared.analytics_refresh_requests is
    'Manual analytics refreshes (POST /api/analytics/refresh), by whom and when: at most 3 per caller per hour.';

insert into shared.scheduled_runs (name, last_period) values ('analytics_refresh', '');

/** Section: heavy aggregates ----------------------------------------------------------------- */

-- Per user and tool: the first save (or the submit, without one) and the first submit; the
-- program-wide spread of the time it took, per tool.
create materialized view shared.analytics_tool_times as
with per_user as (
    select f.tool_slug, f.user_id,
           extract(epoch from min(f.occurred_at) filter (where f.kind = 'submit') - min(f.occurred_at)) / 86400.0 as days
      from shared.activity_facts as f
     where f.kind in ('save', 'submit')
     group by f.tool_slug, f.user_id
    having count(*) filter (where f.kind = 'submit') > 0
)
select p.tool_slug,
       count(*)::integer as users,
       round((percentile_cont(0.85) within group (order by p.days))::numeric, 3) as p85_days,
       round((percentile_cont(0.5) within group (order by p.days))::numeric, 3) as median_days
  from per_user as p
 group by p.tool_slug;
create unique index analytics_tool_times_tool_idx on shared.analytics_tool_times (tool_slug);
comment on materialized view shared.analytics_tool_times is
    'Per tool, over every user who submitted it: how many, the 85th percentile and the median of the days from their first save (or submit) to their first submit. Refreshed by shared.refresh_analytics.';
revoke all on shared.analytics_tool_times from public;

-- Program-wide: the spread of saves per submit over users with at least one submit.
create materialized view shared.analytics_saves_per_submit as
with per_user as (
    select f.user_id,
           count(*) filter (where f.kind = 'save')::numeric / count(*) filter (where f.kind = 'submit') as ratio
      from shared.activity_facts as f
     where f.kind in ('save', 'submit')
     group by f.user_id
    having count(*) filter (where f.kind = 'submit') > 0
)
select true as program,
       count(*)::integer as users,
       round((percentile_cont(0.85) within group (order by p.ratio))::numeric, 3) as p85_ratio
  from per_user as p;
create unique index analytics_saves_per_submit_idx on shared.analytics_saves_per_submit (program);
comment on materialized view shared.analytics_saves_per_submit is
    'Program-wide, over every user with a submit: how many, and the 85th percentile of their saves per submit. Refreshed by shared.refresh_analytics.';
revoke all on shared.analytics_saves_per_submit from public;

insert into shared.analytics_refreshes (view_name, calculated_at, duration_ms, trigger)
values ('shared.analytics_tool_times', current_timestamp, 0, 'migrate'),
       ('shared.analytics_saves_per_submit', current_timestamp, 0, 'migrate');
