-- =============================================================================================
-- Who may see what, and the state authentication keeps: guru assignments, the admin audit,
-- refresh-token families, used SSO signatures, rate-limit counters and received webhooks.
-- depends: 0002_shared_tables
-- =============================================================================================

/** Section: gurus and audit ------------------------------------------------------------------ */

create table shared.organization_gurus (
    organization_id uuid not null references shared.organizations (id) on delete cascade,
    user_id uuid not null references shared.users (id) on delete cascade,
    assigned_at timestamp with time zone not null default current_timestamp,
    assigned_by uuid references shared.users (id) on delete set null,
    primary key (organization_id, user_id)
);
create index organization_gurus_user_idx on shared.organization_gurus (user_id);
comment on table shared.organization_gurus is
    'Which gurus follow which organizations: a guru reads the progress and answers of the members of these organizations.';

create table shared.admin_audit (
    id bigint generated always as identity primary key,
    actor_id uuid,
    action text not null,
    target_type text not null,
    target_id text not null,
    before jsonb,
    after jsonb,
    at timestamp with time zone not null default current_timestamp
);
create index admin_audit_target_idx on shared.admin_audit (target_type, target_id);
comment on table shared.admin_audit is
    'Every change an admin makes through the API: who (actor_id), what (action, target), when, and the state before and after.';

/** Section: authentication state ------------------------------------------------------------- */

create table shared.refresh_tokens (
    id uuid primary key default gen_random_uuid(),
    family_id uuid not null,
    user_id uuid not null references shared.users (id) on delete cascade,
    token_hash bytea not null unique,
    issued_at timestamp with time zone not null default current_timestamp,
    expires_at timestamp with time zone not null,
    rotated_at timestamp with time zone,
    revoked_at timestamp with time zone
);
create index refresh_tokens_family_idx on shared.refresh_tokens (family_id);
create index refresh_tokens_user_idx on shared.refresh_tokens (user_id);
comment on table shared.refresh_tokens is
    'Refresh tokens (only their SHA-256). Each refresh rotates the token inside its family; presenting a rotated one again revokes the family.';

create table shared.sso_signatures (
    signature_hash bytea primary key,
    used_at timestamp with time zone not null default current_timestamp
);
comment on table shared.sso_signatures is
    'SSO signatures already accepted (SHA-256), so a captured login link cannot be replayed within its 300 s window.';

create table shared.rate_limit_counters (
    bucket text not null,
    key text not null,
    window_start timestamp with time zone not null,
    hits integer not null default 0,
    primary key (bucket, key, window_start)
);
comment on table shared.rate_limit_counters is
    'Requests per bucket (default, sso_failures), key (user id or client ip) and one-minute window; shared by every process.';

create table shared.webhook_events (
    source text not null,
    event_id text not null,
    event_type text not null,
    payload jsonb not null,
    outcome jsonb not null default '{}'::jsonb,
    received_at timestamp with time zone not null default current_timestamp,
    primary key (source, event_id)
);
comment on table shared.webhook_events is
    'Webhook events received (e.g. from LearnWorlds), each handled once: a repeated event id is recognised and ignored.';

create table shared.lms_courses (
    course_id text primary key,
    tool_slug varchar(255) not null references shared.tools (slug)
);
comment on table shared.lms_courses is
    'LearnWorlds course id -> the tool it belongs to (synced from config/learnworlds.json); completing the course unlocks the tool.';
