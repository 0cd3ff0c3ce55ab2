-- =============================================================================================
-- The registry: config/tool-registry.json and config/dependencies.json, validated as a whole and
-- then applied in one transaction by migrate. Nothing is applied while any entry is wrong.
-- =============================================================================================

/** Section: validation ----------------------------------------------------------------------- */

-- One row per problem, each naming the bad entry. Every check reads the raw JSON and tests types
-- before casting, so a malformed file yields a readable problem, never a cast error.
create or replace function shared.registry_problems(p_registry jsonb, p_dependencies jsonb)
returns table (entry text, problem text)
language sql
stable
set search_path = ''
as $$
with
modules as (
    select m.value as module, m.pos,
           case when jsonb_typeof(m.value -> 'id') = 'number' then (m.value ->> 'id')::numeric end as id
      from jsonb_array_elements(case when jsonb_typeof(p_registry -> 'modules') = 'array'
                                     then p_registry -> 'modules' else '[]' end) with ordinality as m(value, pos)
),
tools as (
    select t.value as tool, t.pos, t.value ->> 'slug' as slug,
           coalesce('tool "' || (t.value ->> 'slug') || '"', 'tool #' || t.pos) as entry,
           case when jsonb_typeof(t.value -> 'sprint_number') = 'number'
                then (t.value ->> 'sprint_number')::numeric end as sprint_number,
           case when jsonb_typeof(t.value -> 'module') = 'number'
                then (t.value ->> 'module')::numeric end as module_id
      from jsonb_array_elements(case when jsonb_typeof(p_registry -> 'tools') = 'array'
                                     then p_registry -> 'tools' else '[]' end) with ordinality as t(value, pos)
),
outputs as (
    select t.slug, t.entry as tool_entry, o.value as output, o.value ->> 'field_id' as field_id,
           format('output "%s" of %s', coalesce(o.value ->> 'field_id', '#' || o.pos), t.entry) as entry
      from tools as t,
           jsonb_array_elements(case when jsonb_typeof(t.tool -> 'outputs') = 'array'
                                     then t.tool -> 'outputs' else '[]' end) with ordinality as o(value, pos)
),
dependency_lists as (
    select d.key as tool_slug, d.value as list
      from jsonb_each(case when jsonb_typeof(p_dependencies -> 'dependencies') = 'object'
                           then p_dependencies -> 'dependencies' else '{}' end) as d
),
mappings as (
    select l.tool_slug, m.value as mapping,
           m.value ->> 'source_tool' as source_tool, m.value ->> 'source_field' as source_field,
           format('dependency of "%s" on %s.%s', l.tool_slug,
                  coalesce(m.value ->> 'source_tool', '?'), coalesce(m.value ->> 'source_field', '?')) as entry
      from dependency_lists as l,
           jsonb_array_elements(case when jsonb_typeof(l.list) = 'array' then l.list else '[]' end) as m(value)
),
edges as (
    select distinct m.tool_slug, m.source_tool
      from mappings as m
     where m.source_tool in (select t.slug from tools as t) and m.tool_slug <> m.source_tool
),
cycles as (
    with recursive walk (start_slug, current_slug, trail) as (
        select e.tool_slug, e.source_tool, array[e.tool_slug::text, e.source_tool::text] from edges as e
        union all
        select w.start_slug, e.source_tool, w.trail || e.source_tool::text
          from walk as w join edges as e on e.tool_slug = w.current_slug
         where w.current_slug <> w.start_slug and not e.source_tool = any (w.trail[2:])
    )
    select distinct on (w.start_slug) w.start_slug, w.trail
      from walk as w where w.current_slug = w.start_slug
     order by w.start_slug, cardinality(w.trail)
)
-- files
select 'tool-registry.json', 'must be an object with a non-empty "tools" array'
 where case when jsonb_typeof(p_registry -> 'tools') = 'array'
            then jsonb_array_length(p_registry -> 'tools') = 0 else true end
union all
select 'tool-registry.json', 'must have a "modules" array'
 where jsonb_typeof(p_registry -> 'modules') is distinct from 'array'
union all
select 'dependencies.json', 'must be an object with a "dependencies" object keyed by tool slug'
 where jsonb_typeof(p_dependencies -> 'dependencies') is distinct from 'object'
-- modules
union all
select format('module #%s', m.pos), 'needs an integer "id" >= 0'
  from modules as m where m.id is null or m.id < 0 or m.id <> trunc(m.id)
union all
select format('module %s', m.id), 'needs a non-empty "name"'
  from modules as m where coalesce(m.module ->> 'name', '') = ''
union all
select format('module %s', m.id), 'is declared more than once'
  from modules as m where m.id is not null group by m.id having count(*) > 1
-- tools
union all
select t.entry, 'needs a "slug" of lowercase words joined by "-" (e.g. "market-size")'
  from tools as t where coalesce(t.slug, '') !~ '^[a-z0-9]+(-[a-z0-9]+)*$'
union all
select t.entry, 'needs an integer "sprint_number" between 0 and 99'
  from tools as t where t.sprint_number is null or t.sprint_number not between 0 and 99
                     or t.sprint_number <> trunc(t.sprint_number)
union all
select t.entry, 'needs a non-empty "name"'
  from tools as t where jsonb_typeof(t.tool -> 'name') is distinct from 'string' or t.tool ->> 'name' = ''
union all
select t.entry, '"description" must be a string'
  from tools as t where t.tool ? 'description' and jsonb_typeof(t.tool -> 'description') <> 'string'
union all
select t.entry, '"anonymous" must be true or false'
  from tools as t where t.tool ? 'anonymous' and jsonb_typeof(t.tool -> 'anonymous') <> 'boolean'
union all
select t.entry, format('names module %s, which is not in "modules"', coalesce(t.tool ->> 'module', 'null'))
  from tools as t
 where t.module_id is null or t.module_id not in (select m.id from modules as m where m.id is not null)
union all
select t.entry, 'needs a non-empty "outputs" array (the fields it produces)'
  from tools as t where case when jsonb_typeof(t.tool -> 'outputs') = 'array'
                             then jsonb_array_length(t.tool -> 'outputs') = 0 else true end
union all
select t.entry, 'needs at least one required output'
  from tools as t
 where jsonb_typeof(t.tool -> 'outputs') = 'array'
   and not exists (select from outputs as o where o.slug = t.slug and o.output -> 'required' = 'true')
union all
select format('tool "%s"', t.slug), 'is declared more than once'
  from tools as t where t.slug is not null group by t.slug having count(*) > 1
union all
select format('sprint %s', t.sprint_number), format('is used by more than one tool (%s)', string_agg(t.slug, ', '))
  from tools as t where t.sprint_number is not null group by t.sprint_number having count(*) > 1
union all
select format('tool "%s"', r.slug), 'is registered in the database but missing from config (removing a tool is not supported)'
  from shared.tools as r where r.slug not in (select t.slug from tools as t where t.slug is not null)
union all
select t.entry, format('moves from sprint %s to sprint %s; renaming a tool schema is not supported', r.sprint_number, t.sprint_number)
  from tools as t join shared.tools as r on r.slug = t.slug
 where t.sprint_number is distinct from r.sprint_number::numeric
-- outputs
union all
select o.entry, 'needs a "field_id": a dotted path of snake_case names (e.g. "identity.personal_dream")'
  from outputs as o where coalesce(o.field_id, '') !~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$'
union all
select o.entry, 'needs a non-empty "label" (shown in exports)'
  from outputs as o where jsonb_typeof(o.output -> 'label') is distinct from 'string' or o.output ->> 'label' = ''
union all
select o.entry, p.problem
  from outputs as o, shared.answer_rule_problems(o.output, 'output', o.field_id) as p (problem)
union all
select o.entry, format('cannot hold another output: "%s" is inside it', x.field_id)
  from outputs as o join outputs as x on x.slug = o.slug and x.field_id like o.field_id || '.%'
union all
select o.entry, '"required" must be true or false'
  from outputs as o where jsonb_typeof(o.output -> 'required') is distinct from 'boolean'
union all
select o.entry, 'is declared more than once'
  from outputs as o where o.field_id is not null group by o.entry having count(*) > 1
-- examples: complete here; valid under the tool's rules once those are compiled (sync_registry)
union all
select t.entry, 'needs an "example": an object with a realistic answer for every output'
  from tools as t where jsonb_typeof(t.tool -> 'example') is distinct from 'object'
union all
select t.entry, format('its "example" has no answer for output "%s"', o.field_id)
  from tools as t join outputs as o on o.slug = t.slug
 where jsonb_typeof(t.tool -> 'example') = 'object' and o.field_id is not null
   and not shared.is_produced(t.tool -> 'example' #> string_to_array(o.field_id, '.'))
-- dependencies
union all
select format('dependencies of "%s"', l.tool_slug), 'names an unknown tool'
  from dependency_lists as l where l.tool_slug not in (select t.slug from tools as t where t.slug is not null)
union all
select format('dependencies of "%s"', l.tool_slug), 'must be an array of field mappings'
  from dependency_lists as l where jsonb_typeof(l.list) <> 'array'
union all
select m.entry, format('reads unknown tool "%s"', coalesce(m.source_tool, 'null'))
  from mappings as m where m.source_tool is null or m.source_tool not in (select t.slug from tools as t where t.slug is not null)
union all
select m.entry, format('reads unknown field "%s" of tool "%s" (not among its outputs)', coalesce(m.source_field, 'null'), m.source_tool)
  from mappings as m
 where m.source_tool in (select t.slug from tools as t)
   and not exists (select from outputs as o where o.slug = m.source_tool and o.field_id = m.source_field)
union all
select m.entry, 'a tool cannot depend on itself'
  from mappings as m where m.source_tool = m.tool_slug
union all
select m.entry, '"required" must be true or false'
  from mappings as m where jsonb_typeof(m.mapping -> 'required') is distinct from 'boolean'
union all
select m.entry, 'needs a "target_field" in snake_case (the name the tool page reads it under)'
  from mappings as m where coalesce(m.mapping ->> 'target_field', '') !~ '^[a-z][a-z0-9_]*$'
union all
select m.entry, '"description" must be a string'
  from mappings as m where m.mapping ? 'description' and jsonb_typeof(m.mapping -> 'description') <> 'string'
union all
select format('dependencies of "%s"', m.tool_slug), format('target_field "%s" is used more than once', m.mapping ->> 'target_field')
  from mappings as m where m.mapping ? 'target_field' group by m.tool_slug, m.mapping ->> 'target_field' having count(*) > 1
union all
select m.entry, 'is declared more than once'
  from mappings as m group by m.entry having count(*) > 1
union all
select m.entry, 'is required, but that output is optional: the tool could stay locked for ever'
  from mappings as m join outputs as o on o.slug = m.source_tool and o.field_id = m.source_field
 where m.mapping -> 'required' = 'true' and o.output -> 'required' = 'false'
union all
select format('tool "%s"', c.start_slug), format('is part of a dependency cycle: %s', array_to_string(c.trail, ' -> '))
  from cycles as c;
$$;

comment on function shared.registry_problems(jsonb, jsonb) is
    'Every problem in a registry (tool-registry.json, dependencies.json contents), one row per problem naming the entry. Empty when valid.';

revoke all on function shared.registry_problems(jsonb, jsonb) from public;

/** Section: sync ----------------------------------------------------------------------------- */

create or replace function shared.sync_registry(p_registry jsonb, p_dependencies jsonb)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_problems jsonb;
    v_first jsonb;
    v_count integer;
    v_changes integer := 0;
    v_report jsonb := '{}';
    v_schemas text[] := '{}';
    v_slug text;
begin
    -- Concurrent migrates (two containers starting) apply one after the other.
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('shared.sync_registry'));

    select jsonb_agg(jsonb_build_object('entry', p.entry, 'problem', p.problem) order by p.entry)
      into v_problems
      from shared.registry_problems(p_registry, p_dependencies) as p;
    if v_problems is not null then
        v_first := v_problems -> 0;
        raise sqlstate 'PT422'
            using message = format('Invalid registry: %s %s%s', v_first ->> 'entry', v_first ->> 'problem',
                                   case when jsonb_array_length(v_problems) > 1
                                        then format(' (and %s more problems)', jsonb_array_length(v_problems) - 1) end),
                  detail  = jsonb_build_object('code', 'INVALID_REGISTRY', 'problems', v_problems)::text,
                  hint    = 'Fix config/tool-registry.json or config/dependencies.json; nothing was applied.';
    end if;

    -- modules
    insert into shared.modules as m (id, name, description)
    select (x.value ->> 'id')::integer, x.value ->> 'name', coalesce(x.value ->> 'description', '')
      from jsonb_array_elements(p_registry -> 'modules') as x
        on conflict (id) do update set name = excluded.name, description = excluded.description
     where (m.name, m.description) is distinct from (excluded.name, excluded.description);
    get diagnostics v_count = row_count;
    v_report := v_report || jsonb_build_object('modules_upserted', v_count);
    v_changes := v_changes + v_count;

    -- tools
    insert into shared.tools as t (slug, sprint_number, name, description, module_id, example, answer_schema, anonymous)
    select x.value ->> 'slug', (x.value ->> 'sprint_number')::integer, x.value ->> 'name',
           coalesce(x.value ->> 'description', ''), (x.value ->> 'module')::integer, x.value -> 'example',
           shared.tool_answer_schema(x.value), coalesce((x.value ->> 'anonymous')::boolean, false)
      from jsonb_array_elements(p_registry -> 'tools') as x
        on conflict (slug) do update
       set name = excluded.name, description = excluded.description, module_id = excluded.module_id,
           example = excluded.example, answer_schema = excluded.answer_schema, anonymous = excluded.anonymous
     where (t.name, t.description, t.module_id, t.example, t.answer_schema, t.anonymous)
           is distinct from (excluded.name, excluded.description, excluded.module_id, excluded.example, excluded.answer_schema,
                             excluded.anonymous);
    get diagnostics v_count = row_count;
    v_report := v_report || jsonb_build_object('tools_upserted', v_count);
    v_changes := v_changes + v_count;

    delete from shared.modules as m
     where m.id not in (select (x.value ->> 'id')::integer from jsonb_array_elements(p_registry -> 'modules') as x)
       and not exists (select from shared.tools as t where t.module_id = m.id);
    get diagnostics v_count = row_count;
    v_changes := v_changes + v_count;

    -- dependencies that are no longer declared go first: they may reference removed outputs
    with declared as (
        select l.key as tool_slug, m.value ->> 'source_tool' as source_tool, m.value ->> 'source_field' as source_field
          from jsonb_each(p_dependencies -> 'dependencies') as l, jsonb_array_elements(l.value) as m
    )
    delete from shared.tool_dependencies as d
     where not exists (select from declared as x
                        where x.tool_slug = d.tool_slug and x.source_tool = d.source_tool_slug
                          and x.source_field = d.source_field_id);
    get diagnostics v_count = row_count;
    v_report := v_report || jsonb_build_object('dependencies_removed', v_count);
    v_changes := v_changes + v_count;

    -- outputs
    with declared as (
        select t.value ->> 'slug' as tool_slug, o.value as output, o.pos
          from jsonb_array_elements(p_registry -> 'tools') as t,
               jsonb_array_elements(t.value -> 'outputs') with ordinality as o(value, pos)
    ),
    removed as (
        delete from shared.tool_fields as f
         where not exists (select from declared as x
                            where x.tool_slug = f.tool_slug and x.output ->> 'field_id' = f.field_id)
        returning 1
    ),
    upserted as (
        insert into shared.tool_fields as f (tool_slug, field_id, label, value_type, required, position, rules)
        select x.tool_slug, x.output ->> 'field_id', x.output ->> 'label', coalesce(x.output ->> 'type', 'text'),
               (x.output ->> 'required')::boolean, x.pos, x.output - 'field_id' - 'label' - 'type' - 'required'
          from declared as x
            on conflict (tool_slug, field_id) do update
           set label = excluded.label, value_type = excluded.value_type, required = excluded.required,
               position = excluded.position, rules = excluded.rules
         where (f.label, f.value_type, f.required, f.position, f.rules)
               is distinct from (excluded.label, excluded.value_type, excluded.required, excluded.position, excluded.rules)
        returning 1
    )
    select (select count(*) from removed) + (select count(*) from upserted) into v_count;
    v_report := v_report || jsonb_build_object('outputs_changed', v_count);
    v_changes := v_changes + v_count;

    -- dependencies
    insert into shared.tool_dependencies as d
        (tool_slug, source_tool_slug, source_field_id, target_field, required, description, position)
    select l.key, m.value ->> 'source_tool', m.value ->> 'source_field', m.value ->> 'target_field',
           (m.value ->> 'required')::boolean, coalesce(m.value ->> 'description', ''), m.pos
      from jsonb_each(p_dependencies -> 'dependencies') as l,
           jsonb_array_elements(l.value) with ordinality as m(value, pos)
        on conflict (tool_slug, source_tool_slug, source_field_id) do update
       set target_field = excluded.target_field, required = excluded.required,
           description = excluded.description, position = excluded.position
     where (d.target_field, d.required, d.description, d.position)
           is distinct from (excluded.target_field, excluded.required, excluded.description, excluded.position);
    get diagnostics v_count = row_count;
    v_report := v_report || jsonb_build_object('dependencies_upserted', v_count);
    v_changes := v_changes + v_count;

    -- schemas, the view and the generated statements over them, progress rows and unlocks
    for v_slug in select t.slug from shared.tools as t order by t.sprint_number loop
        if shared.create_tool_schema(v_slug) then
            v_schemas := v_schemas || v_slug;
        end if;
    end loop;
    if cardinality(v_schemas) > 0 or pg_catalog.to_regclass('shared.all_field_values') is null then
        perform shared.refresh_field_values_view();
    end if;
    v_report := v_report || jsonb_build_object('schemas_created', to_jsonb(v_schemas),
                                               'statements_regenerated', to_jsonb(shared.refresh_tool_statements()),
                                               'answer_checks_regenerated', shared.refresh_answer_checks());
    -- each example must pass its own tool's compiled check; a problem undoes the whole sync
    select jsonb_agg(jsonb_build_object('entry', format('tool "%s"', t.slug),
                                        'problem', format('its "example" breaks its rules: %s',
                                                          (select string_agg(format('%s (%s)', e.value ->> 'message', e.value ->> 'path'), ' ')
                                                             from jsonb_array_elements(c.problems) as e)))
                     order by t.sprint_number)
      into v_problems
      from shared.tools as t
     cross join lateral (select shared.answer_problems(t.slug, t.example) as problems) as c
     where c.problems <> '[]'::jsonb;
    if v_problems is not null then
        raise sqlstate 'PT422'
            using message = format('Invalid registry: %s %s', v_problems -> 0 ->> 'entry', v_problems -> 0 ->> 'problem'),
                  detail  = jsonb_build_object('code', 'INVALID_REGISTRY', 'problems', v_problems)::text,
                  hint    = 'Fix the example in config/tool-registry.json; nothing was applied.';
    end if;
    if cardinality(v_schemas) > 0 or pg_catalog.to_regclass('shared.submissions_breaking_rules') is null then
        perform shared.refresh_rule_breaking_view();
    end if;

    if v_changes > 0 or cardinality(v_schemas) > 0 then
        v_report := v_report || jsonb_build_object(
            'progress_rows_added', shared.ensure_progress_rows(null),
            'tools_unlocked', shared.unlock_ready_tools_for_everyone());
    else
        v_report := v_report || jsonb_build_object('progress_rows_added', 0, 'tools_unlocked', 0);
    end if;

    perform shared.close_exposure();  -- RLS and revokes on whatever this migrate added (200_exposure.sql)

    return v_report || jsonb_build_object(
        'changed', v_changes > 0 or cardinality(v_schemas) > 0,
        'tools', (select count(*) from shared.tools));
end;
$$;

comment on function shared.sync_registry(jsonb, jsonb) is
    'Validates the registry (raises PT422 INVALID_REGISTRY listing every problem, applying nothing) and applies it: modules, tools, outputs, dependencies, missing tool schemas, progress rows, unlocks. Applying the same registry twice changes nothing. Called by flask --app app migrate.';

revoke all on function shared.sync_registry(jsonb, jsonb) from public;
