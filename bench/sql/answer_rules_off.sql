-- The write path without answer rules, for `python -m bench --apply-sql bench/sql/answer_rules_off.sql`:
-- the same data and code with no rule checked (a save's problems are always empty, a submit
-- checks its required outputs only, as before the rules), to measure what the rules cost.

create or replace function shared.answer_problems(p_tool_slug text, p_data jsonb)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
begin
    return '[]'::jsonb;
end;
$$;

create or replace function shared.require_valid_answers(p_tool shared.tools, p_data jsonb)
returns void
language plpgsql
stable
set search_path = ''
as $$
declare
    v_missing text[] := shared.missing_required_outputs(p_tool.slug, p_data);
begin
    if cardinality(v_missing) > 0 then
        raise sqlstate 'PT422'
            using message = format('Cannot submit %s: required fields are missing', p_tool.name),
                  detail  = json_build_object('code', 'MISSING_REQUIRED_OUTPUTS', 'tool', p_tool.slug,
                                              'missing', v_missing)::text;
    end if;
end;
$$;
