-- =============================================================================================
-- Invariants: what must always be true of the stored work. Tests and DBAs run the same check;
-- an empty result means healthy. Each row names the rule, the user, the tool and what is wrong.
-- =============================================================================================

/** Section: per-tool checks ------------------------------------------------------------------ */

create or replace function shared.tool_invariant_violations(p_tool shared.tools)
returns table (rule text, user_id uuid, tool_slug text, detail jsonb)
language plpgsql
stable
set search_path = ''
as $$
begin
    return query execute format($checks$
        -- one active submission per user
        select 'one_active_submission', s.user_id, %1$L::text, jsonb_build_object('active', count(*))
          from %2$I.submissions as s where s.archived_at is null
         group by s.user_id having count(*) > 1
        union all
        -- versions only grow: every kept version is older than the submission's current one
        select 'versions_only_grow', s.user_id, %1$L::text,
               jsonb_build_object('submission_id', s.id, 'current_version', s.version, 'kept_version', h.version)
          from %2$I.submissions as s
          join shared.submission_versions as h on h.tool_slug = %1$L and h.submission_id = s.id
         where h.version >= s.version
        union all
        -- outputs exist exactly for submitted work ...
        select 'outputs_only_for_submitted_work', s.user_id, %1$L::text, jsonb_build_object('submission_id', s.id)
          from %2$I.submissions as s
         where s.submitted_at is null and exists (select from %2$I.field_outputs as fo where fo.submission_id = s.id)
        union all
        select 'submitted_work_has_outputs', s.user_id, %1$L::text, jsonb_build_object('submission_id', s.id)
          from %2$I.submissions as s
         where s.submitted_at is not null and not exists (select from %2$I.field_outputs as fo where fo.submission_id = s.id)
        union all
        -- ... and, while the submission stands as submitted, match its data field by field
        select 'outputs_match_data', s.user_id, %1$L::text,
               jsonb_build_object('submission_id', s.id, 'field_id', coalesce(e.field_id, fo.field_id))
          from %2$I.submissions as s
          cross join lateral (select f.field_id, s.data #> f.path as value
                                from shared.tool_fields as f
                               where f.tool_slug = %1$L and shared.is_produced(s.data #> f.path)) as e
          full join %2$I.field_outputs as fo on fo.submission_id = s.id and fo.field_id = e.field_id
         where s.status in ('submitted', 'completed')
           and (e.field_id is null or fo.field_id is null or fo.field_value is distinct from e.value)
        union all
        -- progress agrees with the work: completed means submitted work exists, in progress a draft
        select 'completed_means_submitted', p.user_id, %1$L::text, jsonb_build_object('status', p.status)
          from shared.user_progress as p
         where p.tool_slug = %1$L and p.status = 'completed'
           and not exists (select from %2$I.submissions as s where s.user_id = p.user_id and s.submitted_at is not null)
        union all
        select 'submitted_means_completed', s.user_id, %1$L::text, jsonb_build_object('status', p.status)
          from %2$I.submissions as s
          join shared.user_progress as p on p.user_id = s.user_id and p.tool_slug = %1$L
         where s.submitted_at is not null and p.status not in ('completed', 'in_progress', 'locked')
        union all
        -- the index of current values mirrors the latest submitted outputs
        select 'current_values_mirror_outputs', coalesce(v.user_id, fo.user_id), %1$L::text,
               jsonb_build_object('field_id', coalesce(v.field_id, fo.field_id))
          from (select c.* from shared.current_field_values as c where c.tool_slug = %1$L) as v
          full join (select l.user_id, l.id as submission_id, o.field_id, o.field_value
                       from (select distinct on (s.user_id) s.user_id, s.id
                               from %2$I.submissions as s where s.submitted_at is not null
                              order by s.user_id, s.submitted_at desc) as l
                       join %2$I.field_outputs as o on o.submission_id = l.id) as fo
            on fo.user_id = v.user_id and fo.field_id = v.field_id
         where v.field_id is null or fo.field_id is null
            or v.submission_id is distinct from fo.submission_id or v.field_value is distinct from fo.field_value
    $checks$, p_tool.slug, p_tool.schema_name);
end;
$$;

comment on function shared.tool_invariant_violations(shared.tools) is
    'The invariant violations within one tool''s schema (see shared.check_invariants).';

revoke all on function shared.tool_invariant_violations(shared.tools) from public;

/** Section: the whole check ------------------------------------------------------------------ */

create or replace function shared.check_invariants()
returns table (rule text, user_id uuid, tool_slug text, detail jsonb)
language plpgsql
stable
set search_path = ''
as $$
declare
    v_tool shared.tools;
begin
    for v_tool in select t.* from shared.tools as t order by t.sprint_number loop
        return query select * from shared.tool_invariant_violations(v_tool);
    end loop;

    return query
    -- every user has exactly one progress row per registered tool, and none for unknown tools
    select 'progress_row_per_tool', u.id, t.slug::text, '{}'::jsonb
      from shared.users as u cross join shared.tools as t
     where not exists (select from shared.user_progress as p where p.user_id = u.id and p.tool_slug = t.slug)
    union all
    select 'progress_for_known_tools', p.user_id, p.tool_slug::text, '{}'::jsonb
      from shared.user_progress as p where not exists (select from shared.tools as t where t.slug = p.tool_slug)
    union all
    -- completed tools say when
    select 'completed_has_completed_at', p.user_id, p.tool_slug::text, '{}'::jsonb
      from shared.user_progress as p where p.status = 'completed' and p.completed_at is null
    union all
    -- the unlock rule: open only when the requirements are met or an admin opened it on purpose;
    -- locked only when they are not met or an admin locked it on purpose
    select 'open_tools_meet_requirements', p.user_id, p.tool_slug::text, jsonb_build_object('status', p.status)
      from shared.user_progress as p
     where p.status <> 'locked'
       and not shared.tool_requirements_met(p.user_id, p.tool_slug)
       and not exists (select from shared.progress_changes as c
                        where c.user_id = p.user_id and c.tool_slug = p.tool_slug and c.source in ('override', 'direct')
                          and c.old_status = 'locked')
    union all
    select 'ready_tools_are_open', p.user_id, p.tool_slug::text, '{}'::jsonb
      from shared.user_progress as p
     where p.status = 'locked'
       and shared.tool_requirements_met(p.user_id, p.tool_slug)
       and not exists (select from shared.progress_changes as c
                        where c.user_id = p.user_id and c.tool_slug = p.tool_slug and c.source in ('override', 'direct')
                          and c.new_status = 'locked');
end;
$$;

comment on function shared.check_invariants() is
    'Every violation of the stored-work invariants (one active submission, growing versions, outputs matching submitted data, current values, progress rows, the unlock rule); empty when healthy. DBA use: select * from shared.check_invariants();';

revoke all on function shared.check_invariants() from public;
