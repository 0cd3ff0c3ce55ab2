-- =============================================================================================
-- Field outputs: reading a tool's declared outputs out of a submission's data, and publishing
-- them when it is submitted (the tool's field_outputs plus shared.current_field_values).
-- =============================================================================================

/** Section: reading outputs from data -------------------------------------------------------- */

-- shared.is_produced (whether a field holds an answer) is in 025_answer_rules.sql: the answer
-- checks and the registry's examples use it too.

create or replace function shared.missing_required_outputs(p_tool_slug text, p_data jsonb)
returns text[]
language plpgsql
stable
set search_path = ''
as $$
begin
    return (select coalesce(array_agg(f.field_id::text order by f.position), '{}')
              from shared.tool_fields as f
             where f.tool_slug = p_tool_slug
               and f.required
               and not shared.is_produced(p_data #> f.path));
end;
$$;

comment on function shared.missing_required_outputs(text, jsonb) is
    'Field ids of the tool''s required outputs that the data does not fill, in declaration order.';

revoke all on function shared.missing_required_outputs(text, jsonb) from public;

create or replace function shared.output_completeness(p_tool_slug text, p_data jsonb)
returns integer
language plpgsql
stable
set search_path = ''
as $$
begin
    return (select coalesce(round(100.0 * count(*) filter (where shared.is_produced(p_data #> f.path))
                                  / nullif(count(*), 0))::integer, 0)
              from shared.tool_fields as f
             where f.tool_slug = p_tool_slug);
end;
$$;

comment on function shared.output_completeness(text, jsonb) is
    'Percentage of the tool''s declared outputs that the data fills (shown as progress while a tool is in progress).';

revoke all on function shared.output_completeness(text, jsonb) from public;

/** Section: publishing outputs --------------------------------------------------------------- */

create or replace function shared.publish_outputs(p_tool_slug text, p_submission_id uuid, p_user_id uuid, p_data jsonb)
returns integer
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_field_ids text[];
    v_values jsonb[];
begin
    -- the declared outputs the data fills, read once for both copies
    select coalesce(array_agg(f.field_id::text order by f.position), '{}'),
           coalesce(array_agg(p_data #> f.path order by f.position), '{}')
      into v_field_ids, v_values
      from shared.tool_fields as f
     where f.tool_slug = p_tool_slug and shared.is_produced(p_data #> f.path);

    delete from shared.current_field_values as v where v.user_id = p_user_id and v.tool_slug = p_tool_slug;
    insert into shared.current_field_values (user_id, tool_slug, field_id, submission_id, field_value)
    select p_user_id, p_tool_slug, o.field_id, p_submission_id, o.field_value
      from rows from (pg_catalog.unnest(v_field_ids), pg_catalog.unnest(v_values)) as o (field_id, field_value);

    return shared.tool_field_outputs_replace(p_tool_slug, p_submission_id, v_field_ids, v_values);
end;
$$;

comment on function shared.publish_outputs(text, uuid, uuid, jsonb) is
    'Replaces a submitted submission''s field_outputs with the declared outputs its data fills, and makes them the user''s current values of that tool. Returns the number of fields published.';

revoke all on function shared.publish_outputs(text, uuid, uuid, jsonb) from public;
