-- =============================================================================================
-- Export jobs: a PDF too slow to render while a request waits (the program report takes
-- seconds) is rendered by the worker. The request stores what to render (the bundle, as SQL
-- assembled and authorized it) and answers 202; the worker claims the job under a lease,
-- renders, and stores the PDF here, where every web instance can serve it. A finished render is
-- reused while the bundle it was made from (its fingerprint) is unchanged.
-- depends: 0017_gamification
-- =============================================================================================

create table shared.export_jobs (
    id uuid primary key default gen_random_uuid(),
    requested_by uuid not null references shared.users (id) on delete cascade,
    -- whose work the document shows (null: a team's or an organization's document)
    subject_user_id uuid references shared.users (id) on delete cascade,
    kind text not null check (kind ~ '^[a-z][a-z0-9_]*$'),
    document text not null check (document <> ''),
    fingerprint text not null,
    status text not null default 'pending' check (status in ('pending', 'done', 'failed')),
    bundle jsonb,
    attempts integer not null default 0,
    locked_by text,
    locked_until timestamp with time zone,
    rendered_by text,  -- the worker that settled it (hostname:pid:random)
    pdf bytea,
    filename text,
    byte_size integer,
    error_code text,
    error_message text,
    created_at timestamp with time zone not null default current_timestamp,
    started_at timestamp with time zone,
    finished_at timestamp with time zone,
    check ((status = 'pending') = (bundle is not null)),
    check ((status = 'done') = (pdf is not null)),
    check ((status = 'failed') = (error_code is not null))
);
comment on table shared.export_jobs is
    'PDF renders done by the worker: pending (with the bundle to render, maybe leased), done (with the PDF, reused while the fingerprint holds) or failed (with a reason code). Deleted after EXPORT_JOB_KEEP_HOURS.';

-- One render per user and document at a time: a second request joins the pending one.
create unique index export_jobs_one_pending on shared.export_jobs (requested_by, document)
    where status = 'pending';
-- The worker's claim: the oldest pending jobs.
create index export_jobs_due on shared.export_jobs (created_at) where status = 'pending';
-- A request looks for a finished render of the same document and fingerprint.
create index export_jobs_done on shared.export_jobs (requested_by, document, fingerprint)
    where status = 'done';
create index export_jobs_subject on shared.export_jobs (subject_user_id) where subject_user_id is not null;
create index export_jobs_finished on shared.export_jobs (finished_at) where status <> 'pending';
