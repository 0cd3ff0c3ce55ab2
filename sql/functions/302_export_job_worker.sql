-- =============================================================================================
-- Export jobs, the worker side (fasttrack/render_jobs.py): claim a pending job under a lease
-- (FOR UPDATE SKIP LOCKED: two workers never take the same job; a worker that died leaves its
-- job to be taken again when the lease ends), settle it as done (the PDF) or failed (a reason
-- code), give it back on shutdown, and delete old jobs.
-- =============================================================================================

/** Section: claim ---------------------------------------------------------------------------- */

create or replace function api.worker_claim_export_job(p_worker text, p_lease_seconds integer, p_max_attempts integer)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_claimed jsonb;
begin
    -- Jobs whose worker died p_max_attempts times (the lease ran out each time) are given up.
    update shared.export_jobs as j
       set status = 'failed', bundle = null, locked_by = null, locked_until = null, finished_at = pg_catalog.now(),
           error_code = 'RENDER_ABANDONED',
           error_message = format('The render was interrupted %s times; try again later, or export as JSON (format=json)', j.attempts)
     where j.status = 'pending' and j.attempts >= greatest(p_max_attempts, 1) and j.locked_until < pg_catalog.now();

    with due as (
        select j.id
          from shared.export_jobs as j
         where j.status = 'pending'
           and (j.locked_until is null or j.locked_until < pg_catalog.now())
         order by j.created_at
         limit 1
           for update skip locked
    ),
    claimed as (
        update shared.export_jobs as j
           set locked_by = p_worker,
               locked_until = pg_catalog.now() + make_interval(secs => greatest(p_lease_seconds, 1)),
               attempts = j.attempts + 1,
               started_at = pg_catalog.now()
          from due
         where j.id = due.id
        returning j.id, j.kind, j.document, j.bundle, j.attempts
    )
    select to_jsonb(c.*) into v_claimed from claimed as c;
    return v_claimed;
end;
$$;

comment on function api.worker_claim_export_job(text, integer, integer) is
    'Worker: takes the oldest pending export job no live lease holds (null when there is none), under a lease of p_lease_seconds; first fails the jobs interrupted p_max_attempts times (RENDER_ABANDONED).';

revoke all on function api.worker_claim_export_job(text, integer, integer) from public;
grant execute on function api.worker_claim_export_job(text, integer, integer) to fasttrack_worker;

create or replace function shared.require_export_lease(p_job_id uuid, p_worker text)
returns shared.export_jobs
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_job shared.export_jobs;
begin
    select j.* into v_job from shared.export_jobs as j where j.id = p_job_id for update;
    if v_job.id is null or v_job.locked_by is distinct from p_worker or v_job.status <> 'pending' then
        raise sqlstate 'PT409'
            using message = 'This worker no longer holds that export job',
                  detail  = json_build_object('code', 'LEASE_LOST', 'job_id', p_job_id)::text;
    end if;
    return v_job;
end;
$$;

comment on function shared.require_export_lease(uuid, text) is
    'The export job, locked, while the worker still holds its lease; PT409 (LEASE_LOST) otherwise.';

revoke all on function shared.require_export_lease(uuid, text) from public;

/** Section: settle --------------------------------------------------------------------------- */

create or replace function api.worker_export_job_done(p_job_id uuid, p_worker text, p_pdf bytea, p_filename text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_job shared.export_jobs := shared.require_export_lease(p_job_id, p_worker);
begin
    update shared.export_jobs as j
       set status = 'done', pdf = p_pdf, filename = p_filename, byte_size = pg_catalog.length(p_pdf),
           rendered_by = p_worker, bundle = null, locked_by = null, locked_until = null, finished_at = pg_catalog.now()
     where j.id = v_job.id
    returning j.* into v_job;
    -- Only the newest render of a document is worth keeping.
    delete from shared.export_jobs as j
     where j.requested_by = v_job.requested_by and j.document = v_job.document
       and j.status <> 'pending' and j.id <> v_job.id;
    return shared.export_job_json(v_job);
end;
$$;

comment on function api.worker_export_job_done(uuid, text, bytea, text) is
    'Worker: stores a finished render (the PDF and its file name) and deletes the older renders of the same document for the same user. PT409 (LEASE_LOST) when the lease is gone.';

revoke all on function api.worker_export_job_done(uuid, text, bytea, text) from public;
grant execute on function api.worker_export_job_done(uuid, text, bytea, text) to fasttrack_worker;

create or replace function api.worker_export_job_failed(p_job_id uuid, p_worker text, p_code text, p_message text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_job shared.export_jobs := shared.require_export_lease(p_job_id, p_worker);
begin
    update shared.export_jobs as j
       set status = 'failed', error_code = p_code, error_message = p_message,
           rendered_by = p_worker, bundle = null, locked_by = null, locked_until = null, finished_at = pg_catalog.now()
     where j.id = v_job.id
    returning j.* into v_job;
    return shared.export_job_json(v_job);
end;
$$;

comment on function api.worker_export_job_failed(uuid, text, text, text) is
    'Worker: settles a render that failed with a reason code (EXPORT_TIMEOUT, EXPORT_TOO_LARGE, RENDER_FAILED) and a message the user can read. PT409 (LEASE_LOST) when the lease is gone.';

revoke all on function api.worker_export_job_failed(uuid, text, text, text) from public;
grant execute on function api.worker_export_job_failed(uuid, text, text, text) to fasttrack_worker;

create or replace function api.worker_release_export_job(p_job_id uuid, p_worker text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_job shared.export_jobs := shared.require_export_lease(p_job_id, p_worker);
begin
    update shared.export_jobs as j
       set locked_by = null, locked_until = null, attempts = greatest(j.attempts - 1, 0)
     where j.id = v_job.id
    returning j.* into v_job;
    perform pg_catalog.pg_notify('fasttrack_exports', '');  -- another worker may take it now
    return shared.export_job_json(v_job);
end;
$$;

comment on function api.worker_release_export_job(uuid, text) is
    'Worker, shutting down: gives a job in hand back unfinished (pending again, the attempt not counted).';

revoke all on function api.worker_release_export_job(uuid, text) from public;
grant execute on function api.worker_release_export_job(uuid, text) to fasttrack_worker;

/** Section: retention ------------------------------------------------------------------------ */

create or replace function api.worker_expire_export_jobs(p_keep_hours numeric, p_limit integer)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_deleted integer;
begin
    with old as (
        select j.id
          from shared.export_jobs as j
         where j.status <> 'pending'
           and j.finished_at < pg_catalog.now() - make_interval(secs => p_keep_hours * 3600)
         limit greatest(p_limit, 1)
           for update skip locked
    )
    delete from shared.export_jobs as j using old where j.id = old.id;
    get diagnostics v_deleted = row_count;
    return jsonb_build_object('deleted', v_deleted);
end;
$$;

comment on function api.worker_expire_export_jobs(numeric, integer) is
    'Worker: deletes up to p_limit finished or failed export jobs older than p_keep_hours (the PDFs with them).';

revoke all on function api.worker_expire_export_jobs(numeric, integer) from public;
grant execute on function api.worker_expire_export_jobs(numeric, integer) to fasttrack_worker;
