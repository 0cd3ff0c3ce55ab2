-- =============================================================================================
-- Organization groups (a program cohort, a partner's region), nested to any depth. The design
-- documents use ltree; the embedded server has none, so each group keeps a materialized path of
-- its ancestors' ids and its own, '/<root id>/<child id>/.../', in the C collation: the groups
-- below one are the range [path, path || '~') of one B-tree index (every path character sorts
-- before '~'), and a group's ancestors are the ids in its own path.
-- depends: 0010_personal_data
-- =============================================================================================

create table shared.organization_groups (
    id uuid primary key default gen_random_uuid(),
    parent_id uuid references shared.organization_groups (id) on delete restrict,
    name text not null check (btrim(name) <> '' and length(name) <= 255),
    path text collate "C" not null unique check (path ~ '^(/[0-9a-f-]{36})+/$'),
    created_at timestamp with time zone not null default current_timestamp,
    updated_at timestamp with time zone not null default current_timestamp,
    check (parent_id is distinct from id)
);
create index organization_groups_parent_idx on shared.organization_groups (parent_id);
comment on table shared.organization_groups is
    'Groups of organizations (cohorts, regions), nested to any depth; a guru assigned to a group coaches every organization below it.';
comment on column shared.organization_groups.path is
    'Materialized path of ids from the root to this group, /a/b/c/ (C collation): descendants are the index range [path, path || ''~'').';

create table shared.group_gurus (
    group_id uuid not null references shared.organization_groups (id) on delete cascade,
    user_id uuid not null references shared.users (id) on delete cascade,
    assigned_at timestamp with time zone not null default current_timestamp,
    assigned_by uuid references shared.users (id) on delete set null,
    primary key (group_id, user_id)
);
create index group_gurus_user_idx on shared.group_gurus (user_id);
comment on table shared.group_gurus is
    'Which gurus coach which groups: a guru assigned to a group follows every organization in it and in the groups below it.';

alter table shared.organizations
    add column group_id uuid references shared.organization_groups (id) on delete restrict;
create index organizations_group_idx on shared.organizations (group_id);
comment on column shared.organizations.group_id is 'The group the organization sits in (null: none).';
