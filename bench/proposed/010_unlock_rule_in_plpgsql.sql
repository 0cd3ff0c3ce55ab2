-- =============================================================================================
-- PROPOSED change to sql/functions/050_progress.sql (benchmark evidence in docs/PERFORMANCE.md).
-- Measure it with: python -m bench --users 10000 --apply-sql bench/proposed/010_unlock_rule_in_plpgsql.sql
--
-- The unlock rule is a LANGUAGE sql function with SET search_path: such a function is never
-- inlined, and PostgreSQL 16 plans a SQL function's body again on every call. The submit trigger
-- calls it once per locked tool of the user (about 14 for a user in the middle of the program),
-- so the rule's planning, not its execution, was half of a submit. The same rule in PL/pgSQL
-- keeps its plan for the session: same text, same result, planned once.
-- =============================================================================================

create or replace function shared.missing_requirements(p_user_id uuid, p_tool_slug text)
returns setof shared.tool_dependencies
language plpgsql
stable
set search_path = ''
as $$
begin
    return query
    select d.*
      from shared.tool_dependencies as d
     where d.tool_slug = p_tool_slug
       and d.required
       and not exists (select 1
                         from shared.current_field_values as v
                        where v.user_id = p_user_id
                          and v.tool_slug = d.source_tool_slug
                          and v.field_id = d.source_field_id);
end;
$$;

comment on function shared.missing_requirements(uuid, text) is
    'The unlock rule: the tool''s required dependency fields that have no submitted value for the user yet. Optional dependencies never block. PL/pgSQL so its plan is cached (a SQL function with SET is re-planned on every call).';

revoke all on function shared.missing_requirements(uuid, text) from public;

create or replace function shared.tool_requirements_met(p_user_id uuid, p_tool_slug text)
returns boolean
language plpgsql
stable
set search_path = ''
as $$
begin
    return not exists (select 1 from shared.missing_requirements(p_user_id, p_tool_slug));
end;
$$;

comment on function shared.tool_requirements_met(uuid, text) is
    'True when the tool has no missing requirements for the user (see shared.missing_requirements).';

revoke all on function shared.tool_requirements_met(uuid, text) from public;
