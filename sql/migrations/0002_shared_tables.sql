-- =============================================================================================
-- The shared tables of spec/database-schema.md, exactly as given there (columns, types, CHECKs,
-- UNIQUEs, indexes), plus the tables this backend adds beside them.
-- depends: 0001_roles_and_schemas
-- =============================================================================================

/** Section: organizations and users (spec) --------------------------------------------------- */

create table shared.organizations (
    id uuid primary key default gen_random_uuid(),
    name varchar(255) not null,
    slug varchar(255) unique not null,
    settings jsonb default '{}'::jsonb,
    created_at timestamp with time zone default current_timestamp,
    updated_at timestamp with time zone default current_timestamp
);
comment on table shared.organizations is 'Companies taking part in the program; gurus follow organizations.';
comment on column shared.organizations.slug is 'URL-safe unique name of the organization.';

create table shared.users (
    id uuid primary key default gen_random_uuid(),
    lms_user_id varchar(255) unique not null,
    email varchar(255) unique not null,
    full_name varchar(255) not null,
    organization_id uuid references shared.organizations (id),
    role varchar(50) not null default 'user' check (role in ('user', 'admin', 'guru')),
    created_at timestamp with time zone default current_timestamp,
    updated_at timestamp with time zone default current_timestamp,
    last_login timestamp with time zone
);
comment on table shared.users is
    'People using the tools, created from LearnWorlds. Inserting a user creates their progress rows for every tool.';
comment on column shared.users.lms_user_id is 'The user''s id in LearnWorlds (SSO subject).';
comment on column shared.users.role is 'user (business leader), guru (coach of organizations) or admin.';

/** Section: progress (spec) ------------------------------------------------------------------ */

create table shared.user_progress (
    id uuid primary key default gen_random_uuid(),
    user_id uuid not null references shared.users (id) on delete cascade,
    tool_slug varchar(255) not null,
    status varchar(50) not null default 'locked'
        check (status in ('locked', 'unlocked', 'in_progress', 'completed')),
    progress_percentage integer default 0
        check (progress_percentage >= 0 and progress_percentage <= 100),
    unlocked_at timestamp with time zone,
    started_at timestamp with time zone,
    completed_at timestamp with time zone,
    created_at timestamp with time zone default current_timestamp,
    updated_at timestamp with time zone default current_timestamp,
    unique (user_id, tool_slug)
);
create index user_progress_user_id_idx on shared.user_progress (user_id);
create index user_progress_status_idx on shared.user_progress (status);
comment on table shared.user_progress is
    'One row per user and tool: locked -> unlocked -> in_progress -> completed. Kept by triggers; admins override with shared.update_progress().';
comment on column shared.user_progress.progress_percentage is
    'Share of the tool''s declared outputs that the active submission fills (100 once completed).';

/** Section: registry ------------------------------------------------------------------------- */

create table shared.modules (
    id integer primary key check (id >= 0),
    name text not null check (name <> ''),
    description text not null default ''
);
comment on table shared.modules is 'Program modules grouping the sprints (synced from config/tool-registry.json).';

create table shared.tools (
    slug varchar(255) primary key check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    sprint_number integer not null unique check (sprint_number between 0 and 99),
    name text not null check (name <> ''),
    description text not null default '',
    module_id integer not null references shared.modules (id),
    schema_name text not null unique generated always as (
        'sprint_' || lpad(sprint_number::text, 2, '0') || '_' || replace(slug, '-', '_')
    ) stored
);
comment on table shared.tools is
    'The tool registry (synced from config/tool-registry.json by migrate). schema_name is where the tool keeps its submissions.';
comment on column shared.tools.schema_name is 'sprint_ + two-digit sprint number + _ + slug with - replaced by _.';

create table shared.tool_fields (
    tool_slug varchar(255) not null references shared.tools (slug) on delete cascade,
    field_id varchar(255) not null check (field_id ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$'),
    label text not null check (label <> ''),
    value_type text not null default 'text' check (value_type in ('text', 'number', 'list', 'table', 'object')),
    required boolean not null default false,
    position integer not null,
    path text[] not null generated always as (string_to_array(field_id, '.')) stored,
    primary key (tool_slug, field_id)
);
comment on table shared.tool_fields is
    'The outputs each tool produces. field_id is a dotted path into the submission''s data; required outputs must have a value before the tool can be submitted.';
comment on column shared.tool_fields.path is 'field_id split on dots, ready for data #> path.';
comment on column shared.tool_fields.value_type is 'Shape of the answer, for exports: text, number, list, table or object.';

create table shared.tool_dependencies (
    tool_slug varchar(255) not null references shared.tools (slug) on delete cascade,
    source_tool_slug varchar(255) not null,
    source_field_id varchar(255) not null,
    target_field text not null check (target_field ~ '^[a-z][a-z0-9_]*$'),
    required boolean not null default true,
    description text not null default '',
    position integer not null,
    primary key (tool_slug, source_tool_slug, source_field_id),
    unique (tool_slug, target_field),
    foreign key (source_tool_slug, source_field_id) references shared.tool_fields (tool_slug, field_id),
    check (tool_slug <> source_tool_slug)
);
create index tool_dependencies_source_idx on shared.tool_dependencies (source_tool_slug, source_field_id);
comment on table shared.tool_dependencies is
    'Field-level dependencies: tool_slug reads source_field_id of source_tool_slug. A tool unlocks when all its required ones have values.';
comment on column shared.tool_dependencies.target_field is 'The name under which the tool page receives the value.';

alter table shared.user_progress
    add constraint user_progress_tool_slug_fkey foreign key (tool_slug) references shared.tools (slug);

/** Section: current field values ------------------------------------------------------------- */

create table shared.current_field_values (
    user_id uuid not null references shared.users (id) on delete cascade,
    tool_slug varchar(255) not null references shared.tools (slug),
    field_id varchar(255) not null,
    submission_id uuid not null,
    field_value jsonb not null,
    recorded_at timestamp with time zone not null default current_timestamp,
    primary key (user_id, tool_slug, field_id)
);
create index current_field_values_submission_idx on shared.current_field_values (submission_id);
comment on table shared.current_field_values is
    'Index of each user''s latest submitted value per tool and field, kept by the submit trigger beside the tool''s field_outputs so dependency lookups are one cached-plan query.';

/** Section: history and audit ---------------------------------------------------------------- */

create table shared.submission_versions (
    id bigint generated always as identity primary key,
    tool_slug varchar(255) not null references shared.tools (slug),
    submission_id uuid not null,
    user_id uuid not null references shared.users (id) on delete cascade,
    version integer not null,
    status varchar(50) not null,
    data jsonb not null,
    saved_at timestamp with time zone,
    replaced_at timestamp with time zone not null default current_timestamp,
    replaced_by uuid,
    unique (tool_slug, submission_id, version)
);
create index submission_versions_user_tool_idx on shared.submission_versions (user_id, tool_slug);
comment on table shared.submission_versions is
    'Every earlier version of every submission: a save that changes data first copies the row it replaces here.';
comment on column shared.submission_versions.saved_at is 'When this version was saved (the replaced row''s updated_at).';
comment on column shared.submission_versions.replaced_by is 'The user (request.jwt.claims sub) whose save replaced this version, when known.';

create table shared.progress_changes (
    id bigint generated always as identity primary key,
    user_id uuid not null references shared.users (id) on delete cascade,
    tool_slug varchar(255) not null,
    old_status varchar(50) not null,
    new_status varchar(50) not null,
    source text not null check (source in ('system', 'override', 'direct')),
    changed_by uuid,
    changed_by_role text not null default session_user,
    changed_at timestamp with time zone not null default current_timestamp
);
create index progress_changes_user_idx on shared.progress_changes (user_id, changed_at);
comment on table shared.progress_changes is
    'Audit of every progress status change: system (triggers), override (shared.update_progress) or direct (a DBA''s UPDATE).';
comment on column shared.progress_changes.changed_by is 'The caller from request.jwt.claims (sub), when there was one.';

/** Section: migration bookkeeping ------------------------------------------------------------ */

create table shared.function_files (
    file_name text primary key,
    sha256 text not null,
    applied_at timestamp with time zone not null default current_timestamp
);
comment on table shared.function_files is
    'Content hash of each sql/functions file as last applied by migrate; a changed hash re-applies the file.';
