-- =============================================================================================
-- Completion events (an outbox written in the submitting transaction, delivered by the worker)
-- and the AI assistant's request log and circuit breaker, shared by every process.
-- depends: 0003_access
-- =============================================================================================

/** Section: the worker's role ---------------------------------------------------------------- */

-- The delivery worker runs as its own role: EXECUTE on the worker functions and nothing else.
do $$
begin
    if not exists (select from pg_catalog.pg_roles where rolname = 'fasttrack_worker') then
        create role fasttrack_worker nologin;
    end if;
    if not pg_catalog.pg_has_role(current_user, 'fasttrack_worker',
                                  case when pg_catalog.current_setting('server_version_num')::integer >= 160000
                                       then 'SET' else 'MEMBER' end) then
        execute format('grant fasttrack_worker to %I', current_user);
    end if;
end;
$$;

grant usage on schema api to fasttrack_worker;

/** Section: outbox --------------------------------------------------------------------------- */

create table shared.outbox_events (
    id uuid primary key default gen_random_uuid(),
    event_type text not null check (event_type in ('tool_completed', 'tool_unlocked')),
    user_id uuid references shared.users (id) on delete set null,
    tool_slug varchar(255) not null,
    payload jsonb not null,
    created_at timestamp with time zone not null default current_timestamp,
    status text not null default 'pending' check (status in ('pending', 'delivered', 'dead')),
    attempts integer not null default 0,
    next_attempt_at timestamp with time zone not null default current_timestamp,
    locked_by text,
    locked_until timestamp with time zone,
    delivered_to text[] not null default '{}',
    last_error text,
    delivered_at timestamp with time zone
);
create index outbox_events_due_idx on shared.outbox_events (next_attempt_at) where status = 'pending';
create index outbox_events_status_idx on shared.outbox_events (status, created_at);
comment on table shared.outbox_events is
    'Events for other systems (tool_completed, tool_unlocked), written in the same transaction as the change they report and delivered by the worker (flask --app app worker).';
comment on column shared.outbox_events.locked_until is
    'A worker holds the event until then; after it (a crashed worker), another may take it.';
comment on column shared.outbox_events.delivered_to is 'Receivers that already acknowledged the event; retries skip them.';

/** Section: AI assistant --------------------------------------------------------------------- */

create table shared.ai_requests (
    id uuid primary key default gen_random_uuid(),
    user_id uuid not null references shared.users (id) on delete cascade,
    tool_slug varchar(255) not null,
    requested_at timestamp with time zone not null default current_timestamp,
    question_chars integer not null,
    outcome text not null default 'pending'
        check (outcome in ('pending', 'ok', 'error', 'timeout', 'malformed', 'unavailable')),
    latency_ms integer,
    answer text
);
create index ai_requests_user_idx on shared.ai_requests (user_id, requested_at);
comment on table shared.ai_requests is
    'Every AI assistant request: who, which tool, when, how long, the outcome (the answer only when the service is configured to keep it). Also the per-user hourly limit.';

create table shared.ai_circuit (
    id boolean primary key default true check (id),
    consecutive_failures integer not null default 0,
    open_until timestamp with time zone
);
insert into shared.ai_circuit default values;
comment on table shared.ai_circuit is
    'The AI assistant''s circuit breaker (one row): after repeated failures the service answers 503 at once until open_until.';
