-- =============================================================================================
-- Benchmark scaffolding, only ever created in benchmark databases: the prepared id table that
-- every load generator draws users from, the answer templates, and the queues pgbench replays.
-- Nothing in the service reads the bench schema.
-- =============================================================================================

create schema if not exists bench;

comment on schema bench is 'Benchmark scaffolding (bench/): seeded users, answer templates, pgbench queues.';

/** Section: users ----------------------------------------------------------------------------- */

create table if not exists bench.users (
    seq integer primary key,
    user_id uuid not null unique,
    organization_id uuid not null,
    stage integer not null,        -- now: tools completed, in sprint order (0..31)
    has_draft boolean not null,    -- as seeded: a saved draft of the tool at position `stage`
    version integer not null,      -- now: the version of the draft at `stage` (0: none)
    claims text not null           -- request.jwt.claims of this user, as the web layer sets them
);

comment on table bench.users is
    'Seeded users by sequence number (pgbench draws \set seq random(1, n) from here).';

/** Section: answers ---------------------------------------------------------------------------- */

-- '@U@' in a template is replaced by the user's seq, so every user's answers differ.
create table if not exists bench.templates (
    tool_slug text primary key,
    ord integer not null unique,   -- position in sprint order
    schema_name text not null,
    full_data jsonb not null,      -- every declared output filled (what is submitted)
    first_draft jsonb not null,    -- first autosave: the first output only
    draft jsonb not null           -- second autosave: the first half of the outputs
);

comment on table bench.templates is 'Answers per tool used by the seed and the load (''@U@'' = user seq).';

/** Section: pgbench queues --------------------------------------------------------------------- */

-- Writes must name the right version and walk each user forward, so pgbench replays a queue
-- planned in Python: client c runs rows (c, 1), (c, 2), ... in order (pgbench -D i=0).
create table if not exists bench.queue (
    workload text not null,
    client integer not null,
    i integer not null,
    claims text not null,
    slug text not null,
    version integer not null,
    data jsonb not null,
    primary key (workload, client, i)
);

comment on table bench.queue is 'pgbench write plans: per client, the i-th call with its version and data.';
