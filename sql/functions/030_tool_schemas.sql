-- =============================================================================================
-- One schema per tool, stamped out from the registry: submissions and field_outputs exactly as
-- spec/database-schema.md gives them, plus the columns, indexes and triggers the rules need.
-- =============================================================================================

/** Section: stamping a tool schema ----------------------------------------------------------- */

create or replace function shared.create_tool_schema(p_tool_slug text)
returns boolean
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_tool shared.tools := shared.require_tool(p_tool_slug);
    v_schema text := v_tool.schema_name;
begin
    if exists (select from pg_catalog.pg_namespace as n where n.nspname = v_schema) then
        return false;
    end if;

    execute format('create schema %I', v_schema);
    execute format('comment on schema %I is %L', v_schema,
        format('Sprint %s: %s. Submissions of this tool and the fields extracted from them.',
               v_tool.sprint_number, v_tool.name));

    execute format($ddl$
        create table %1$I.submissions (
            id uuid primary key default gen_random_uuid(),
            user_id uuid not null references shared.users (id) on delete cascade,
            organization_id uuid references shared.organizations (id) on delete set null,
            data jsonb not null default '{}'::jsonb,
            status varchar(50) not null default 'draft'
                check (status in ('draft', 'in_progress', 'submitted', 'completed')),
            version integer not null default 1,
            created_at timestamp with time zone default current_timestamp,
            updated_at timestamp with time zone default current_timestamp,
            submitted_at timestamp with time zone,
            completed_at timestamp with time zone,
            archived_at timestamp with time zone,
            constraint submissions_data_is_object check (jsonb_typeof(data) = 'object')
        );
        create index submissions_user_id_idx on %1$I.submissions (user_id);
        create index submissions_user_org_idx on %1$I.submissions (user_id, organization_id);
        create index submissions_status_idx on %1$I.submissions (status);
        create unique index submissions_one_active_idx on %1$I.submissions (user_id) where archived_at is null;

        create table %1$I.field_outputs (
            id uuid primary key default gen_random_uuid(),
            submission_id uuid not null references %1$I.submissions (id) on delete cascade,
            field_id varchar(255) not null,
            field_value jsonb not null,
            created_at timestamp with time zone default current_timestamp
        );
        create index field_outputs_submission_id_idx on %1$I.field_outputs (submission_id);
        create index field_outputs_field_id_idx on %1$I.field_outputs (field_id);
        create unique index field_outputs_submission_field_idx on %1$I.field_outputs (submission_id, field_id);

        -- no policy: Supabase's REST API roles read nothing (200_exposure.sql)
        alter table %1$I.submissions enable row level security;
        alter table %1$I.field_outputs enable row level security;

        create trigger submissions_guard
            before insert or update on %1$I.submissions
            for each row execute function shared.tg_submission_guard();
        create trigger submissions_effects
            after insert or update or delete on %1$I.submissions
            for each row execute function shared.tg_submission_effects();
    $ddl$, v_schema);

    execute format($doc$
        comment on table %1$I.submissions is %2$L;
        comment on column %1$I.submissions.status is %3$L;
        comment on column %1$I.submissions.version is 'Grows by one on every change; saves name the version they edit.';
        comment on column %1$I.submissions.organization_id is 'The user''s organization at the first save; later moves do not change it.';
        comment on column %1$I.submissions.archived_at is 'Set when the user starts over; archived submissions are kept, read-only.';
        comment on table %1$I.field_outputs is %4$L;
        comment on trigger submissions_guard on %1$I.submissions is 'Checks status changes, versions, locks and required outputs (shared.tg_submission_guard).';
        comment on trigger submissions_effects on %1$I.submissions is 'On submit: extracts outputs, completes progress, unlocks tools (shared.tg_submission_effects).';
    $doc$,
        v_schema,
        format('%s answers: one active submission per user (archived ones kept).', v_tool.name),
        'draft (never submitted), submitted, in_progress (submitted before, being revised) or completed (reviewed).',
        format('Fields of %s extracted at submit, read by later tools.', v_tool.name));

    return true;
end;
$$;

comment on function shared.create_tool_schema(text) is
    'Creates the sprint_NN_<slug> schema of a registered tool (submissions, field_outputs, triggers). Returns false when it already exists.';

revoke all on function shared.create_tool_schema(text) from public;

/** Section: the field_values view ------------------------------------------------------------ */

-- The view is regenerated when the set of tools changes; CREATE OR REPLACE keeps its identity,
-- so grants and dependent objects survive.
create or replace function shared.refresh_field_values_view()
returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_branches text;
begin
    select string_agg(format(
               'select %L::varchar(255) as tool_slug, s.user_id, s.id as submission_id, s.status as submission_status, '
               '(s.archived_at is null) as is_active, fo.field_id, fo.field_value, fo.created_at as extracted_at '
               'from %I.field_outputs as fo join %I.submissions as s on s.id = fo.submission_id',
               t.slug, t.schema_name, t.schema_name),
           E'\n    union all\n    ' order by t.sprint_number)
      into v_branches
      from shared.tools as t;

    if v_branches is null then
        return;
    end if;

    execute format($view$
        create or replace view shared.all_field_values as
        select fv.tool_slug, t.sprint_number, fv.user_id, u.email, fv.submission_id, fv.submission_status,
               fv.is_active, fv.field_id, f.label, fv.field_value, fv.extracted_at
          from (%s) as fv
          join shared.tools as t on t.slug = fv.tool_slug
          join shared.users as u on u.id = fv.user_id
          left join shared.tool_fields as f on f.tool_slug = fv.tool_slug and f.field_id = fv.field_id
    $view$, v_branches);

    comment on view shared.all_field_values is
        'Every field output of every tool, archived submissions (start over) included: is_active tells them apart. Current answers only: shared.field_values.';

    -- what a DBA means by a user's fields: their current work, one row per field
    create or replace view shared.field_values as
    select a.tool_slug, a.sprint_number, a.user_id, a.email, a.submission_id, a.submission_status,
           a.is_active, a.field_id, a.label, a.field_value, a.extracted_at
      from shared.all_field_values as a
     where a.is_active;

    comment on view shared.field_values is
        'The field outputs of every user''s active submissions (one row per user, tool and field), with user, tool and submission; archived work is in shared.all_field_values. DBA use: select * from shared.field_values where email = ''...'' order by sprint_number;';
end;
$$;

comment on function shared.refresh_field_values_view() is
    'Regenerates the views shared.all_field_values (every field output) and shared.field_values (active work only) over every tool schema (called by the registry sync).';

revoke all on function shared.refresh_field_values_view() from public;
