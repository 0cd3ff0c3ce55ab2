-- =============================================================================================
-- Export jobs, the request side: a PDF too slow to render while a request waits becomes a job
-- the worker renders (302_export_job_worker.sql). The entry points (147_api_export_jobs.sql)
-- authorize and assemble the bundle exactly as the synchronous export does; these rules store
-- it, reuse a finished render of the same fingerprint, and keep one pending render per user and
-- document (the partial unique index export_jobs_one_pending).
-- =============================================================================================

/** Section: shapes --------------------------------------------------------------------------- */

create or replace function shared.export_job_fingerprint(p_bundle jsonb, p_renderer text)
returns text
language plpgsql
immutable
set search_path = ''
as $$
begin
    -- Everything the document shows is in the bundle; only its generation times (the
    -- document's, and each member's export in an organization's archive) change on every
    -- request. jsonb's text is canonical (keys sorted), so equal data gives an equal hash.
    return pg_catalog.md5(coalesce(p_renderer, '') || ':'
                          || pg_catalog.regexp_replace(p_bundle::text, '"generated_at": "[^"]*"', '', 'g'));
end;
$$;

comment on function shared.export_job_fingerprint(jsonb, text) is
    'What a render depends on: the bundle without its generated_at stamps and the renderer''s version (its templates), hashed. A finished render is reused while this is unchanged.';

revoke all on function shared.export_job_fingerprint(jsonb, text) from public;

create or replace function shared.export_job_json(p_job shared.export_jobs)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
begin
    return jsonb_build_object(
        'id', p_job.id,
        'kind', p_job.kind,
        'document', p_job.document,
        'status', p_job.status,
        'attempts', p_job.attempts,
        'created_at', p_job.created_at,
        'started_at', p_job.started_at,
        'finished_at', p_job.finished_at,
        'filename', p_job.filename,
        'byte_size', p_job.byte_size,
        'download_url', case when p_job.status = 'done' then '/api/exports/' || p_job.id || '/file' end,
        'error', case when p_job.status = 'failed'
                      then jsonb_build_object('code', p_job.error_code, 'message', p_job.error_message) end);
end;
$$;

comment on function shared.export_job_json(shared.export_jobs) is
    'An export job as GET /api/exports/{id} answers it: status (pending, done, failed), its times, the download URL when done, the reason code when failed. Never the bundle or the PDF.';

revoke all on function shared.export_job_json(shared.export_jobs) from public;

/** Section: lookups -------------------------------------------------------------------------- */

create or replace function shared.require_export_job(p_caller shared.users, p_job_id uuid)
returns shared.export_jobs
language plpgsql
stable
set search_path = ''
as $$
declare
    v_job shared.export_jobs;
begin
    -- Jobs are the requester's own: another user's job is as unknown as a missing one.
    select j.* into v_job from shared.export_jobs as j where j.id = p_job_id and j.requested_by = p_caller.id;
    if v_job.id is null then
        raise sqlstate 'PT404'
            using message = 'No such export job (it may have expired)',
                  detail  = json_build_object('code', 'EXPORT_JOB_NOT_FOUND', 'job_id', p_job_id)::text;
    end if;
    return v_job;
end;
$$;

comment on function shared.require_export_job(shared.users, uuid) is
    'The caller''s export job; PT404 (EXPORT_JOB_NOT_FOUND) for an unknown one and for another user''s.';

revoke all on function shared.require_export_job(shared.users, uuid) from public;

create or replace function shared.require_finished_export(p_job shared.export_jobs)
returns shared.export_jobs
language plpgsql
immutable
set search_path = ''
as $$
begin
    if p_job.status <> 'done' then
        raise sqlstate 'PT409'
            using message = case when p_job.status = 'failed' then 'This export failed: there is nothing to download'
                                 else 'This export is still being rendered: poll /api/exports/' || p_job.id end,
                  detail  = json_build_object('code', 'EXPORT_NOT_READY', 'job_id', p_job.id, 'status', p_job.status)::text;
    end if;
    return p_job;
end;
$$;

comment on function shared.require_finished_export(shared.export_jobs) is
    'The job when its PDF is there; PT409 (EXPORT_NOT_READY, with its status) while pending or after a failure.';

revoke all on function shared.require_finished_export(shared.export_jobs) from public;

/** Section: requesting a render -------------------------------------------------------------- */

create or replace function shared.request_export_job(p_requested_by uuid, p_kind text, p_document text,
                                                     p_subject_user_id uuid, p_bundle jsonb, p_renderer text)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_fingerprint text := shared.export_job_fingerprint(p_bundle, p_renderer);
    v_job shared.export_jobs;
begin
    -- A finished render of exactly this data: answered at once, with the PDF.
    select j.* into v_job
      from shared.export_jobs as j
     where j.requested_by = p_requested_by and j.document = p_document
       and j.fingerprint = v_fingerprint and j.status = 'done'
     order by j.finished_at desc
     limit 1;
    if v_job.id is not null then
        return shared.export_job_json(v_job)
               || jsonb_build_object('cached', true, 'pdf', pg_catalog.encode(v_job.pdf, 'base64'));
    end if;

    insert into shared.export_jobs as j (requested_by, subject_user_id, kind, document, fingerprint, bundle)
    values (p_requested_by, p_subject_user_id, p_kind, p_document, v_fingerprint, p_bundle)
    on conflict (requested_by, document) where status = 'pending' do nothing
    returning j.* into v_job;

    if v_job.id is null then
        -- A render of this document is pending already: join it. Not yet taken by a worker, it
        -- renders the newest data; taken, it finishes with what it has, and the next request
        -- (seeing another fingerprint) asks for a new one.
        update shared.export_jobs as j
           set bundle = p_bundle, fingerprint = v_fingerprint
         where j.requested_by = p_requested_by and j.document = p_document and j.status = 'pending'
           and j.locked_by is null and j.fingerprint <> v_fingerprint
        returning j.* into v_job;
        if v_job.id is null then
            select j.* into v_job
              from shared.export_jobs as j
             where j.requested_by = p_requested_by and j.document = p_document and j.status = 'pending';
        end if;
    end if;

    perform pg_catalog.pg_notify('fasttrack_exports', '');  -- wakes a listening worker at commit
    return shared.export_job_json(v_job) || jsonb_build_object('cached', false);
end;
$$;

comment on function shared.request_export_job(uuid, text, text, uuid, jsonb, text) is
    'Asks for a PDF render of p_bundle (already authorized): a finished render with the same fingerprint is answered with its PDF (cached: true); otherwise the pending job of this user and document, or a new one (cached: false), and NOTIFY fasttrack_exports.';

revoke all on function shared.request_export_job(uuid, text, text, uuid, jsonb, text) from public;
