-- =============================================================================================
-- Analytics facts: every save, submit, unlock, start-over and sign-in, with the user, their
-- organization at the time, the tool and the time. Written by the functions and triggers that do
-- the work (070_submission_triggers.sql, 050_progress.sql, 080_submissions.sql, 140_api_auth.sql);
-- analytics read these facts and shared.user_progress only. Filled here from what the service
-- already kept: the saved versions, the submissions, the progress changes and the last sign-in.
-- depends: 0014_team_decisions
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
-- (not the empty draft a start over opens); one submit per submitted version and per submission
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
             where v.tool_slug = %2$L
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
