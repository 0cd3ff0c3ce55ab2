-- =============================================================================================
-- PROPOSED alternative to 010 (replaces it), for sql/functions/050_progress.sql; benchmark
-- evidence in docs/PERFORMANCE.md.
-- Measure it with: python -m bench --users 10000 --apply-sql bench/proposed/030_unlock_rule_as_view.sql
--
-- The unlock rule as a view: still written once, but a view is inlined into the query that
-- reads it, so the submit trigger unlocks every ready tool in one set-based statement (no call
-- per locked tool), and every caller is PL/pgSQL, whose plans are cached. 010 keeps one
-- function call per locked tool; this removes those calls too.
-- =============================================================================================

create or replace view shared.unmet_requirements as
select u.id as user_id, d.tool_slug, d.source_tool_slug, d.source_field_id, d.target_field,
       d.required, d.description, d.position
  from shared.users as u
  join shared.tool_dependencies as d on d.required
 where not exists (select 1
                     from shared.current_field_values as v
                    where v.user_id = u.id
                      and v.tool_slug = d.source_tool_slug
                      and v.field_id = d.source_field_id);

comment on view shared.unmet_requirements is
    'The unlock rule: per user, the required dependency fields of each tool that have no submitted value yet. A tool unlocks when it has no row here. Optional dependencies never block. Filter by user_id (and tool_slug).';

create or replace function shared.missing_requirements(p_user_id uuid, p_tool_slug text)
returns setof shared.tool_dependencies
language plpgsql
stable
set search_path = ''
as $$
begin
    return query
    select m.tool_slug, m.source_tool_slug, m.source_field_id, m.target_field, m.required,
           m.description, m.position
      from shared.unmet_requirements as m
     where m.user_id = p_user_id and m.tool_slug = p_tool_slug;
end;
$$;

comment on function shared.missing_requirements(uuid, text) is
    'The tool''s required dependency fields that have no submitted value for the user yet (shared.unmet_requirements).';

revoke all on function shared.missing_requirements(uuid, text) from public;

create or replace function shared.tool_requirements_met(p_user_id uuid, p_tool_slug text)
returns boolean
language plpgsql
stable
set search_path = ''
as $$
begin
    return not exists (select 1 from shared.unmet_requirements as m
                        where m.user_id = p_user_id and m.tool_slug = p_tool_slug);
end;
$$;

comment on function shared.tool_requirements_met(uuid, text) is
    'True when the tool has no unmet requirement for the user (shared.unmet_requirements).';

revoke all on function shared.tool_requirements_met(uuid, text) from public;

create or replace function shared.unlock_ready_tools(p_user_id uuid)
returns text[]
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_unlocked text[];
begin
    with unlocked as (
        update shared.user_progress as p
           set status = 'unlocked'
         where p.user_id = p_user_id
           and p.status = 'locked'
           and not exists (select 1 from shared.unmet_requirements as m
                            where m.user_id = p.user_id and m.tool_slug = p.tool_slug)
        returning p.tool_slug
    )
    select coalesce(array_agg(u.tool_slug::text order by t.sprint_number), '{}')
      into v_unlocked
      from unlocked as u join shared.tools as t on t.slug = u.tool_slug;
    return v_unlocked;
end;
$$;

comment on function shared.unlock_ready_tools(uuid) is
    'Unlocks every locked tool of the user whose requirements are now met, in one statement; returns their slugs in sprint order. Called by the submit trigger.';

revoke all on function shared.unlock_ready_tools(uuid) from public;
