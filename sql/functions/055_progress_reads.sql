-- =============================================================================================
-- Reading progress: the DBA views over shared.user_progress and the shapes the API answers with.
-- How progress moves: 050_progress.sql.
-- =============================================================================================

/** Section: reading progress ----------------------------------------------------------------- */

create or replace view shared.progress_overview as
select u.id as user_id, u.email, u.full_name, o.id as organization_id, o.name as organization,
       t.sprint_number, t.slug as tool_slug, t.name as tool_name, p.status, p.progress_percentage,
       p.unlocked_at, p.started_at, p.completed_at, p.updated_at
  from shared.user_progress as p
  join shared.users as u on u.id = p.user_id
  join shared.tools as t on t.slug = p.tool_slug
  left join shared.organizations as o on o.id = u.organization_id;

comment on view shared.progress_overview is
    'One row per user and tool, for DBAs: select * from shared.progress_overview where email = ''...'' order by sprint_number;';

create or replace view shared.progress_summary as
select p.user_id,
       count(*) as total_tools,
       count(*) filter (where p.status = 'completed') as completed,
       count(*) filter (where p.status = 'in_progress') as in_progress,
       count(*) filter (where p.status = 'unlocked') as unlocked,
       count(*) filter (where p.status = 'locked') as locked,
       round(100.0 * count(*) filter (where p.status = 'completed') / count(*), 1) as percent_complete,
       -- the lowest-sprint open tool: an admin unlock of a late tool and one save there must
       -- not send the user past the earlier tools still open
       (array_agg(p.tool_slug order by t.sprint_number)
            filter (where p.status in ('in_progress', 'unlocked')))[1] as next_tool
  from shared.user_progress as p
  join shared.tools as t on t.slug = p.tool_slug
 group by p.user_id;

comment on view shared.progress_summary is
    'The spec''s Progress Summary Query for every user, plus percent_complete and next_tool (the lowest-sprint tool that is unlocked or in progress; null when none is).';

-- For people reading it in the SQL editor; the unlock rule itself (shared.unmet_requirements, on
-- the submit path) stays free of these joins.
create or replace view shared.unmet_requirements_overview as
select m.user_id, u.email, t.sprint_number, m.tool_slug, t.name as tool_name,
       m.source_tool_slug, s.name as source_tool_name, m.source_field_id, f.label as source_field_label,
       m.target_field, m.description
  from shared.unmet_requirements as m
  join shared.users as u on u.id = m.user_id
  join shared.tools as t on t.slug = m.tool_slug
  join shared.tools as s on s.slug = m.source_tool_slug
  join shared.tool_fields as f on f.tool_slug = m.source_tool_slug and f.field_id = m.source_field_id;

comment on view shared.unmet_requirements_overview is
    'Why a tool is still locked, for DBAs: shared.unmet_requirements with the user''s email and the tools'' names and field labels. DBA use: select * from shared.unmet_requirements_overview where email = ''...'' and tool_slug = ''program-overview'';';

create or replace function shared.progress_summary_for(p_user_id uuid)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_summary jsonb;
begin
    select to_jsonb(s.*) into v_summary from shared.progress_summary as s where s.user_id = p_user_id;
    if v_summary is null then
        raise sqlstate 'PT404'
            using message = 'Unknown user',
                  detail  = json_build_object('code', 'USER_NOT_FOUND', 'user_id', p_user_id)::text;
    end if;
    return v_summary;
end;
$$;

comment on function shared.progress_summary_for(uuid) is
    'One user''s progress summary (counts per status, percent_complete, next_tool). Raises PT404 for an unknown user.';

revoke all on function shared.progress_summary_for(uuid) from public;

create or replace function shared.get_progress(p_user_id uuid)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
begin
    return (select (to_jsonb(s.*) - 'next_tool')
                   || jsonb_build_object(
                          'next_tool', (select shared.tool_ref(t) from shared.tools as t where t.slug = s.next_tool),
                          'tools', (select jsonb_agg(jsonb_build_object(
                                                'slug', o.tool_slug, 'sprint_number', o.sprint_number, 'name', o.tool_name,
                                                'status', o.status, 'progress_percentage', o.progress_percentage,
                                                'unlocked_at', o.unlocked_at, 'started_at', o.started_at,
                                                'completed_at', o.completed_at)
                                            order by o.sprint_number)
                                      from shared.progress_overview as o where o.user_id = p_user_id))
              from shared.progress_summary as s
             where s.user_id = p_user_id);
end;
$$;

comment on function shared.get_progress(uuid) is
    'A user''s progress as the API shows it: the progress summary, the next tool and every tool''s status in sprint order (null for an unknown user).';

revoke all on function shared.get_progress(uuid) from public;
