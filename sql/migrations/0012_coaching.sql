-- =============================================================================================
-- Coaching: when a team meets about a tool, what the meeting noted (versioned), the action
-- items it agreed, and the outbox events coaching sends (reminders, nudges, digests), each
-- made at most once through a de-duplication key.
-- depends: 0011_organization_groups
-- =============================================================================================

/** Section: members of an organization ------------------------------------------------------ */

-- every coaching read starts from an organization's members (the spec indexes users by id,
-- lms_user_id and email only); users are not written on the save or submit path
create index users_organization_idx on shared.users (organization_id);
comment on index shared.users_organization_idx is 'An organization''s members, for the dashboard, team view, reminders and organization lists.';

/** Section: schedule ------------------------------------------------------------------------- */

create table shared.meeting_schedules (
    organization_id uuid not null references shared.organizations (id) on delete cascade,
    tool_slug varchar(255) not null references shared.tools (slug),
    meeting_at timestamp with time zone not null,
    revision integer not null default 1,
    reminded_at timestamp with time zone,
    set_by uuid references shared.users (id) on delete set null,
    updated_at timestamp with time zone not null default current_timestamp,
    primary key (organization_id, tool_slug)
);
create index meeting_schedules_unreminded_idx on shared.meeting_schedules (meeting_at)
    where reminded_at is null;
comment on table shared.meeting_schedules is
    'When a team meets with its guru about a tool. Members who have not submitted get a member_reminder 48 hours before; moving the meeting (a new revision) re-arms it.';
comment on column shared.meeting_schedules.reminded_at is 'When the reminders of this revision were put in the outbox (null: not yet).';

/** Section: meeting notes -------------------------------------------------------------------- */

create table shared.meeting_notes (
    organization_id uuid not null references shared.organizations (id) on delete cascade,
    tool_slug varchar(255) not null references shared.tools (slug),
    version integer not null default 1,
    notes jsonb not null,
    updated_by uuid references shared.users (id) on delete set null,
    updated_at timestamp with time zone not null default current_timestamp,
    primary key (organization_id, tool_slug)
);
comment on table shared.meeting_notes is
    'The notes of a team''s meeting about a tool (meeting_date, discussion_points, key_insights, concerns, decisions, next_steps); version grows by one per change.';

create table shared.meeting_note_versions (
    organization_id uuid not null,
    tool_slug varchar(255) not null,
    version integer not null,
    notes jsonb not null,
    updated_by uuid,
    updated_at timestamp with time zone not null,
    primary key (organization_id, tool_slug, version),
    foreign key (organization_id, tool_slug) references shared.meeting_notes (organization_id, tool_slug) on delete cascade
);
comment on table shared.meeting_note_versions is 'Every version of every meeting''s notes, the current one included.';

/** Section: action items --------------------------------------------------------------------- */

create table shared.action_items (
    id uuid primary key default gen_random_uuid(),
    organization_id uuid not null references shared.organizations (id) on delete cascade,
    tool_slug varchar(255) not null references shared.tools (slug),
    task text not null check (btrim(task) <> '' and length(task) <= 2000),
    owner_id uuid not null references shared.users (id) on delete cascade,
    due_on date not null,
    status text not null default 'open' check (status in ('open', 'done')),
    created_by uuid references shared.users (id) on delete set null,
    created_at timestamp with time zone not null default current_timestamp,
    updated_at timestamp with time zone not null default current_timestamp,
    done_at timestamp with time zone
);
create index action_items_organization_idx on shared.action_items (organization_id, status, due_on);
create index action_items_owner_idx on shared.action_items (owner_id, status, due_on);
comment on table shared.action_items is
    'What a team agreed to do after a meeting about a tool: a task, its owner (a member of the organization), a due date, open or done.';

/** Section: coaching events ------------------------------------------------------------------ */

alter table shared.outbox_events drop constraint outbox_events_event_type_check;
alter table shared.outbox_events add constraint outbox_events_event_type_check
    check (event_type in ('tool_completed', 'tool_unlocked', 'member_reminder', 'member_nudged', 'guru_digest'));
alter table shared.outbox_events alter column tool_slug drop not null;
alter table shared.outbox_events add column dedupe_key text;
create unique index outbox_events_dedupe_idx on shared.outbox_events (dedupe_key) where dedupe_key is not null;
comment on column shared.outbox_events.dedupe_key is
    'Made at most once: member_reminder:<org>:<tool>:<revision>:<user>, member_nudged:<user>:<tool>:<day>, guru_digest:<guru>:<week>.';

create table shared.scheduled_runs (
    name text primary key,
    last_period text not null
);
comment on table shared.scheduled_runs is
    'Periodic work the workers do (guru_digest: the ISO week last done), so one worker does each period once.';
insert into shared.scheduled_runs (name, last_period) values ('guru_digest', '');
