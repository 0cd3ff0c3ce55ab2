-- =============================================================================================
-- Team decisions: the version of a tool's answers a team agreed at its meeting, recorded by its
-- guru. Outputs the registry marks "team_level" (the marker stays in shared.tool_fields.rules)
-- then resolve, for every member, to the team's value. Versioned like meeting notes.
-- depends: 0013_anonymous_tools
-- =============================================================================================

create table shared.team_decisions (
    organization_id uuid not null references shared.organizations (id) on delete cascade,
    tool_slug varchar(255) not null references shared.tools (slug),
    version integer not null default 1,
    data jsonb not null,
    decided_by uuid references shared.users (id) on delete set null,
    decided_at timestamp with time zone not null default current_timestamp,
    primary key (organization_id, tool_slug)
);
comment on table shared.team_decisions is
    'The answers a team agreed for a tool (checked by the tool''s answer rules); version grows by one per change.';

create table shared.team_decision_versions (
    organization_id uuid not null,
    tool_slug varchar(255) not null,
    version integer not null,
    data jsonb not null,
    decided_by uuid,
    decided_at timestamp with time zone not null,
    primary key (organization_id, tool_slug, version),
    foreign key (organization_id, tool_slug) references shared.team_decisions (organization_id, tool_slug) on delete cascade
);
comment on table shared.team_decision_versions is 'Every version of every team decision, the current one included.';
