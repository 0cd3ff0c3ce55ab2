-- =============================================================================================
-- Answer rules: every output declares the shape of its answer (type and constraints, see the
-- README's "Answer rules"), each tool carries one valid example and its published JSON Schema.
-- Only columns are added and the type check widened: stored answers are not read or rewritten.
-- depends: 0008_live_session_index
-- =============================================================================================

alter table shared.tool_fields drop constraint tool_fields_value_type_check;
alter table shared.tool_fields add constraint tool_fields_value_type_check
    check (value_type in ('text', 'number', 'integer', 'boolean', 'date', 'choice', 'list', 'table', 'object'));
alter table shared.tool_fields add column rules jsonb not null default '{}'::jsonb;

comment on column shared.tool_fields.value_type is
    'Type of the answer: text, number, integer, boolean, date, choice, list, table or object.';
comment on column shared.tool_fields.rules is
    'The output''s answer rule as declared in the registry (label, type, required and the type''s constraints); compiled into shared.answer_problems at registry sync.';

alter table shared.tools add column example jsonb not null default '{}'::jsonb;
alter table shared.tools add column answer_schema jsonb;

comment on column shared.tools.example is
    'One complete, valid set of answers, declared in the registry (published in the schema''s examples).';
comment on column shared.tools.answer_schema is
    'The tool''s answers as a JSON Schema (draft 2020-12), generated at registry sync from its outputs'' rules; GET /api/tools/{slug}/schema answers it.';

-- the submit step now checks every rule (shared.require_valid_answers, 070_submission_triggers.sql)
drop function if exists shared.require_required_outputs(shared.tools, jsonb);
