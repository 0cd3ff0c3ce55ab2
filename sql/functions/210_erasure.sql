-- =============================================================================================
-- Erasing a person. Their work, versions, progress and its history, sign-in sessions, AI requests,
-- queued events and rate counters are deleted (most by the foreign keys' ON DELETE CASCADE from
-- shared.users: every tool's submissions and field_outputs, shared.submission_versions, ...).
-- What others need as history stays, anonymised: the admin audit, delivered events, LearnWorlds
-- events, and the changes they made to other people's work name a random marker instead of them,
-- and every text that held their id, email, name or LearnWorlds id is scrubbed. One transaction;
-- a second call answers that they are already erased (shared.erased_users keeps a digest of
-- the id, nothing else). The sources are listed in shared.person_data_sources (205_person_data.sql).
--
-- Deleting submissions runs no write rule: the guard trigger fires on INSERT and UPDATE only, so
-- no version is recorded, and the effects trigger on DELETE only drops current_field_values.
-- Progress rows have no DELETE trigger, so no progress change or event is written either.
-- =============================================================================================

/** Section: scrubbing ------------------------------------------------------------------------ */

create or replace function shared.mentions(p_text text, p_needles text[])
returns boolean
language plpgsql
immutable
set search_path = ''
as $$
begin
    -- a needle shorter than 4 characters (a name like "Al") would match half of all texts: it
    -- counts only as the whole text
    return p_text is not null
       and exists (select from unnest(p_needles) as n(needle)
                    where lower(p_text) = lower(n.needle)
                       or (char_length(n.needle) >= 4 and strpos(lower(p_text), lower(n.needle)) > 0));
end;
$$;

comment on function shared.mentions(text, text[]) is
    'Whether a text contains any of the needles (case-insensitive, plain substring: no LIKE wildcards); a needle under 4 characters only as the whole text.';

revoke all on function shared.mentions(text, text[]) from public;

create or replace function shared.scrub_text(p_text text, p_needles text[], p_id text, p_marker text)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
    v_text text := replace(p_text, p_id, p_marker);
begin
    if shared.mentions(v_text, p_needles) then
        return '[erased]';
    end if;
    return v_text;
end;
$$;

comment on function shared.scrub_text(text, text[], text, text) is
    'A text with an erased person''s id replaced by their marker; "[erased]" when it still names them (email, name, LearnWorlds id).';

revoke all on function shared.scrub_text(text, text[], text, text) from public;

create or replace function shared.scrub_json(p_doc jsonb, p_needles text[], p_id text, p_marker text)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
begin
    return case jsonb_typeof(p_doc)
        when 'object' then (select coalesce(jsonb_object_agg(shared.scrub_text(e.key, p_needles, p_id, p_marker),
                                                             shared.scrub_json(e.value, p_needles, p_id, p_marker)), '{}')
                              from jsonb_each(p_doc) as e)
        when 'array' then (select coalesce(jsonb_agg(shared.scrub_json(e.value, p_needles, p_id, p_marker) order by e.position), '[]')
                             from jsonb_array_elements(p_doc) with ordinality as e(value, position))
        when 'string' then to_jsonb(shared.scrub_text(p_doc #>> '{}', p_needles, p_id, p_marker))
        else p_doc
    end;
end;
$$;

comment on function shared.scrub_json(jsonb, text[], text, text) is
    'A JSON document with shared.scrub_text applied to every key and string value, at any depth.';

revoke all on function shared.scrub_json(jsonb, text[], text, text) from public;

/** Section: erasing -------------------------------------------------------------------------- */

create or replace function shared.erase_user(p_user_id uuid, p_reason text default null, p_erased_by uuid default null)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_digest bytea := pg_catalog.sha256(convert_to(p_user_id::text, 'UTF8'));
    v_user shared.users;
    v_receipt shared.erased_users;
    v_marker uuid := gen_random_uuid();
    v_id text := p_user_id::text;
    v_needles text[];
    v_reason text := shared.require_reason(p_reason);
    v_tool shared.tools;
    v_count integer;
    v_submissions integer := 0;
    v_removed jsonb;
    v_anonymised jsonb := '{}';
begin
    -- FOR UPDATE: concurrent writes for them (which take KEY SHARE through foreign keys) wait
    select u.* into v_user from shared.users as u where u.id = p_user_id for update;
    if not found then
        select e.* into v_receipt from shared.erased_users as e where e.id_sha256 = v_digest;
        if found then
            return jsonb_build_object('status', 'already_erased', 'user_id', p_user_id, 'erased_at', v_receipt.erased_at);
        end if;
        perform shared.require_user(p_user_id);  -- PT404 USER_NOT_FOUND
    end if;
    v_needles := array_remove(array[v_id, v_user.email, v_user.full_name, v_user.lms_user_id], null);
    v_reason := shared.scrub_text(v_reason, v_needles, v_id, v_marker::text);

    for v_tool in select t.* from shared.tools as t order by t.sprint_number loop
        execute format('select count(*) from %I.submissions as s where s.user_id = $1', v_tool.schema_name)
           into v_count using p_user_id;
        v_submissions := v_submissions + v_count;
    end loop;
    v_removed := jsonb_build_object(
        'submissions', v_submissions,
        'versions', (select count(*) from shared.submission_versions as v where v.user_id = p_user_id),
        'progress_rows', (select count(*) from shared.user_progress as p where p.user_id = p_user_id),
        'progress_changes', (select count(*) from shared.progress_changes as c where c.user_id = p_user_id),
        'ai_requests', (select count(*) from shared.ai_requests as r where r.user_id = p_user_id),
        'refresh_tokens', (select count(*) from shared.refresh_tokens as t where t.user_id = p_user_id),
        'activity_facts', (select count(*) from shared.activity_facts as f where f.user_id = p_user_id),
        'awards', (select count(*) from shared.awards as a where a.user_id = p_user_id));

    -- queued events would carry their data to other systems: they are not sent
    delete from shared.outbox_events as e where e.user_id = p_user_id and e.status <> 'delivered';
    get diagnostics v_count = row_count;
    v_removed := v_removed || jsonb_build_object('undelivered_events', v_count);
    update shared.outbox_events as e
       set user_id = null, payload = shared.scrub_json(e.payload, v_needles, v_id, v_marker::text),
           last_error = shared.scrub_text(e.last_error, v_needles, v_id, v_marker::text)
     where e.user_id = p_user_id or shared.mentions(e.payload::text, v_needles);
    get diagnostics v_count = row_count;
    v_anonymised := v_anonymised || jsonb_build_object('events', v_count);

    update shared.admin_audit as a
       set actor_id = case when a.actor_id = p_user_id then v_marker else a.actor_id end,
           target_id = shared.scrub_text(a.target_id, v_needles, v_id, v_marker::text),
           before = shared.scrub_json(a.before, v_needles, v_id, v_marker::text),
           after = shared.scrub_json(a.after, v_needles, v_id, v_marker::text),
           reason = shared.scrub_text(a.reason, v_needles, v_id, v_marker::text)
     where a.actor_id = p_user_id or shared.mentions(a.target_id, v_needles)
        or shared.mentions(a.before::text, v_needles) or shared.mentions(a.after::text, v_needles)
        or shared.mentions(a.reason, v_needles);
    get diagnostics v_count = row_count;
    v_anonymised := v_anonymised || jsonb_build_object('audit_entries', v_count);

    update shared.webhook_events as w
       set payload = shared.scrub_json(w.payload, v_needles, v_id, v_marker::text),
           outcome = shared.scrub_json(w.outcome, v_needles, v_id, v_marker::text)
     where shared.mentions(w.payload::text, v_needles) or shared.mentions(w.outcome::text, v_needles);
    get diagnostics v_count = row_count;
    v_anonymised := v_anonymised || jsonb_build_object('lms_events', v_count);

    -- what they did to other people's work stays, by the marker
    update shared.progress_changes as c set changed_by = v_marker where c.changed_by = p_user_id;
    get diagnostics v_count = row_count;
    v_anonymised := v_anonymised || jsonb_build_object('progress_changes_by_them', v_count);
    update shared.submission_versions as v set replaced_by = v_marker where v.replaced_by = p_user_id;
    get diagnostics v_count = row_count;
    v_anonymised := v_anonymised || jsonb_build_object('versions_replaced_by_them', v_count);
    update shared.erased_users as e set erased_by = v_marker where e.erased_by = p_user_id;
    -- the team's meeting notes stay; their history (no foreign key) no longer names the author
    update shared.meeting_note_versions as v set updated_by = v_marker where v.updated_by = p_user_id;
    get diagnostics v_count = row_count;
    v_anonymised := v_anonymised || jsonb_build_object('meeting_note_versions_by_them', v_count);
    -- so do the team's decisions; their history (no foreign key) no longer names who recorded them
    update shared.team_decision_versions as v set decided_by = v_marker where v.decided_by = p_user_id;
    get diagnostics v_count = row_count;
    v_anonymised := v_anonymised || jsonb_build_object('team_decision_versions_by_them', v_count);

    delete from shared.rate_limit_counters as c where c.key = v_id;

    -- the rest goes with the user row: every foreign key to shared.users cascades (or sets null)
    delete from shared.users as u where u.id = p_user_id;

    insert into shared.erased_users as e (id_sha256, marker, erased_by, reason)
    values (v_digest, v_marker, p_erased_by, v_reason)
    returning e.* into v_receipt;
    perform shared.audit(p_erased_by, 'erase_user', 'user', v_marker::text, null,
                         jsonb_build_object('erased', true, 'removed', v_removed, 'anonymised', v_anonymised), v_reason);

    return jsonb_build_object('status', 'erased', 'user_id', p_user_id, 'erased_at', v_receipt.erased_at,
                              'marker', v_marker, 'removed', v_removed, 'anonymised', v_anonymised);
end;
$$;

comment on function shared.erase_user(uuid, text, uuid) is
    'Erases a person in one transaction: deletes their account, work in every tool (active and archived, outputs, versions), progress and its history, analytics facts, awards and gamification preferences, sessions, AI requests, undelivered events and rate counters; anonymises the admin audit, delivered and LearnWorlds events and their changes to others'' work (a random marker instead of their id, "[erased]" for texts naming them). A second call answers status already_erased; an unknown id raises PT404. Audited as erase_user. DBA use: select shared.erase_user(''<uuid>'', ''asked through LearnWorlds'');';

revoke all on function shared.erase_user(uuid, text, uuid) from public;
