-- =============================================================================================
-- A person's data: everything the service keeps about one user, as the files of one archive.
-- shared.person_data_sources() is the one list of where a person's data lives; the export reads
-- it, and the erasure (210_erasure.sql) removes or anonymises each of its tables. A new table
-- about a person gets one row here (and either `references shared.users on delete cascade` or a
-- step in shared.erase_user); tests/test_personal_data.py fails while a table with a user
-- column is missing from the list.
-- =============================================================================================

/** Section: the sources ---------------------------------------------------------------------- */

-- Each query returns one jsonb value for the user $1 (null: no file).
create or replace function shared.person_data_sources()
returns table (file_name text, table_names text[], on_erase text, description text, query text)
language plpgsql
stable
set search_path = ''
as $$
begin
    return query values
    ('account.json', array['shared.users', 'shared.organization_gurus'], 'deleted',
     'Your account: id, email, name, role, LearnWorlds id, when it was created and last used; your organization; the organizations you follow as a guru.',
     $q$select jsonb_build_object(
            'user', to_jsonb(u),
            'organization', (select jsonb_build_object('id', o.id, 'name', o.name, 'slug', o.slug)
                               from shared.organizations as o where o.id = u.organization_id),
            'follows_organizations', (select coalesce(jsonb_agg(jsonb_build_object(
                                                 'organization_id', g.organization_id, 'assigned_at', g.assigned_at)
                                             order by g.assigned_at), '[]')
                                        from shared.organization_gurus as g where g.user_id = u.id))
          from shared.users as u where u.id = $1$q$),
    ('progress.json', array['shared.user_progress'], 'deleted',
     'Your status in each of the tools (locked, unlocked, in progress, completed) with when it changed.',
     $q$select coalesce(jsonb_agg(to_jsonb(p) order by t.sprint_number), '[]')
          from shared.user_progress as p join shared.tools as t on t.slug = p.tool_slug
         where p.user_id = $1$q$),
    ('progress_history.json', array['shared.progress_changes'], 'deleted (changes you made for others: anonymised)',
     'Every change of your progress: tool, from, to, why (system, override, direct), by whom, when.',
     $q$select coalesce(jsonb_agg(to_jsonb(c) order by c.changed_at, c.id), '[]')
          from shared.progress_changes as c where c.user_id = $1$q$),
    ('field_values.json', array['shared.current_field_values'], 'deleted',
     'The latest submitted value of each field your tools produced, as later tools read it.',
     $q$select coalesce(jsonb_agg(to_jsonb(v) order by v.tool_slug, v.field_id), '[]')
          from shared.current_field_values as v where v.user_id = $1$q$),
    ('ai_requests.json', array['shared.ai_requests'], 'deleted',
     'Your questions to the AI assistant: tool, when, length, outcome, latency (the answer only when the service keeps answers; the question text is never kept).',
     $q$select coalesce(jsonb_agg(to_jsonb(r) order by r.requested_at), '[]')
          from shared.ai_requests as r where r.user_id = $1$q$),
    ('events.json', array['shared.outbox_events'], 'undelivered: deleted; delivered: kept anonymised',
     'The events the service sent other systems about you (tool completed, tool unlocked), with their delivery state.',
     $q$select coalesce(jsonb_agg(to_jsonb(e) - 'locked_by' - 'locked_until' order by e.created_at), '[]')
          from shared.outbox_events as e where e.user_id = $1$q$),
    ('audit.json', array['shared.admin_audit'], 'kept anonymised',
     'Admin changes about you (role, organization, tools unlocked or locked, guru assignments) and, if you are an admin, the changes you made (about others: what, on whom and when, without the before, after and reason, which describe them).',
     $q$select coalesce(jsonb_agg(case when x.about_them then to_jsonb(a) else to_jsonb(a) - 'before' - 'after' - 'reason' end
                                  order by a.id), '[]')
          from shared.admin_audit as a,
               lateral (select a.target_id = $1::text or a.target_id like $1::text || '/%'
                               or a.before ->> 'user_id' = $1::text or a.after ->> 'user_id' = $1::text) as x(about_them)
         where a.actor_id = $1 or x.about_them$q$),
    ('sessions.json', array['shared.refresh_tokens'], 'deleted',
     'Your sign-in sessions: each refresh token''s session (family), when it was issued, expires, was rotated or revoked. Never the tokens themselves or their hashes.',
     $q$select coalesce(jsonb_agg(to_jsonb(t) - 'token_hash' order by t.issued_at), '[]')
          from shared.refresh_tokens as t where t.user_id = $1$q$),
    ('lms.json', array['shared.webhook_events'], 'kept anonymised',
     'Your link to LearnWorlds: your LearnWorlds user id and the LearnWorlds events about you the service received (course completions).',
     $q$select jsonb_build_object(
            'lms_user_id', u.lms_user_id,
            'webhook_events', (select coalesce(jsonb_agg(to_jsonb(w) order by w.received_at), '[]')
                                 from shared.webhook_events as w
                                where w.payload #>> '{data,user,id}' = u.lms_user_id
                                   or w.outcome ->> 'user_id' = u.id::text))
          from shared.users as u where u.id = $1$q$),
    ('coaching.json', array['shared.action_items', 'shared.group_gurus', 'shared.meeting_schedules',
                            'shared.meeting_notes', 'shared.meeting_note_versions',
                            'shared.team_decisions', 'shared.team_decision_versions'],
     'your action items and group assignments: deleted; the team''s schedules, meeting notes and decisions: kept, without your name on them',
     'Coaching: the action items you own or created, the organization groups you coach, the team meetings you scheduled or whose notes you wrote, and the team decisions you recorded (which one, when; the notes and decisions themselves belong to the team).',
     $q$select jsonb_build_object(
            'action_items', (select coalesce(jsonb_agg(to_jsonb(a) order by a.created_at, a.id), '[]')
                               from shared.action_items as a where a.owner_id = $1 or a.created_by = $1),
            'coached_groups', (select coalesce(jsonb_agg(jsonb_build_object(
                                          'group_id', g.group_id, 'assigned_at', g.assigned_at)
                                      order by g.assigned_at), '[]')
                                 from shared.group_gurus as g where g.user_id = $1),
            'meetings_scheduled', (select coalesce(jsonb_agg(jsonb_build_object(
                                              'organization_id', m.organization_id, 'tool_slug', m.tool_slug,
                                              'meeting_at', m.meeting_at, 'updated_at', m.updated_at)
                                          order by m.updated_at), '[]')
                                     from shared.meeting_schedules as m where m.set_by = $1),
            'meeting_notes_written', (select coalesce(jsonb_agg(jsonb_build_object(
                                                 'organization_id', v.organization_id, 'tool_slug', v.tool_slug,
                                                 'version', v.version, 'updated_at', v.updated_at)
                                             order by v.updated_at), '[]')
                                        from shared.meeting_note_versions as v where v.updated_by = $1),
            'team_decisions_recorded', (select coalesce(jsonb_agg(jsonb_build_object(
                                                   'organization_id', v.organization_id, 'tool_slug', v.tool_slug,
                                                   'version', v.version, 'decided_at', v.decided_at)
                                               order by v.decided_at), '[]')
                                          from shared.team_decision_versions as v where v.decided_by = $1))$q$),
    ('activity.json', array['shared.activity_facts', 'shared.analytics_refresh_requests'], 'deleted',
     'What you did, as the analytics count it: each save, submit, unlock, start over and sign-in, with the tool, your organization then and when; and when you refreshed the analytics.',
     $q$select jsonb_build_object(
            'facts', (select coalesce(jsonb_agg(jsonb_build_object('kind', f.kind, 'tool_slug', f.tool_slug,
                                                                   'organization_id', f.organization_id,
                                                                   'occurred_at', f.occurred_at)
                                                 order by f.occurred_at, f.id), '[]')
                        from shared.activity_facts as f where f.user_id = $1),
            'analytics_refreshes', (select coalesce(jsonb_agg(r.requested_at order by r.requested_at), '[]')
                                      from shared.analytics_refresh_requests as r where r.requested_by = $1))$q$),
    ('gamification.json', array['shared.awards', 'shared.gamification_preferences'], 'deleted',
     'Your gamification: the awards you earned (which, the facts that earned them, when) and whether you take part in leaderboards.',
     $q$select jsonb_build_object(
            'awards', (select coalesce(jsonb_agg(jsonb_build_object('kind', a.kind, 'subject', nullif(a.subject, ''),
                                                                    'facts', a.facts, 'awarded_at', a.awarded_at)
                                                 order by a.awarded_at, a.id), '[]')
                         from shared.awards as a where a.user_id = $1),
            'preferences', (select to_jsonb(p) - 'user_id' from shared.gamification_preferences as p where p.user_id = $1))$q$),
    ('rate_limits.json', array['shared.rate_limit_counters'], 'deleted',
     'The request counters of the current minute that limit how often you may call the service.',
     $q$select coalesce(jsonb_agg(to_jsonb(c) order by c.bucket, c.window_start), '[]')
          from shared.rate_limit_counters as c where c.key = $1::text$q$),
    -- PDF exports rendered in the background (0018_export_jobs.sql): the jobs, not the PDFs
    ('export_jobs.json', array['shared.export_jobs'], 'deleted',
     'The PDF exports rendered for you in the background, or showing your work: which document, when, its state and size (the PDFs themselves are deleted after a while; export again to get one).',
     $q$select coalesce(jsonb_agg(to_jsonb(j) - 'bundle' - 'pdf' - 'locked_by' - 'locked_until' - 'rendered_by' order by j.created_at), '[]')
          from shared.export_jobs as j where j.requested_by = $1 or j.subject_user_id = $1$q$);

    -- one file per tool: its submissions (active and archived), their outputs and saved versions
    return query
    select 'submissions/' || t.slug || '.json', array[t.schema_name || '.submissions', t.schema_name || '.field_outputs',
                                                      'shared.submission_versions'],
           'deleted',
           format('Your answers in %s (sprint %s): every submission, active and archived (start over), with the fields it produced and every earlier saved version.',
                  t.name, t.sprint_number),
           format($q$select case when count(*) = 0 then null else jsonb_build_object(
                       'tool', (select shared.tool_ref(x) from shared.tools as x where x.slug = %2$L),
                       'submissions', jsonb_agg(jsonb_build_object(
                           'id', s.id, 'status', s.status, 'version', s.version, 'active', s.archived_at is null,
                           'organization_id', s.organization_id, 'created_at', s.created_at,
                           'updated_at', s.updated_at, 'submitted_at', s.submitted_at,
                           'completed_at', s.completed_at, 'archived_at', s.archived_at, 'data', s.data,
                           'field_outputs', (select coalesce(jsonb_agg(jsonb_build_object(
                                                     'field_id', o.field_id, 'value', o.field_value, 'extracted_at', o.created_at)
                                                 order by o.field_id), '[]')
                                               from %1$I.field_outputs as o where o.submission_id = s.id),
                           'versions', (select coalesce(jsonb_agg(jsonb_build_object(
                                                'version', v.version, 'status', v.status, 'data', v.data,
                                                'saved_at', v.saved_at, 'replaced_at', v.replaced_at)
                                            order by v.version), '[]')
                                          from shared.submission_versions as v
                                         where v.tool_slug = %2$L and v.submission_id = s.id))
                         order by s.created_at)) end
                        from %1$I.submissions as s where s.user_id = $1$q$, t.schema_name, t.slug)
      from shared.tools as t
     order by t.sprint_number;
end;
$$;

comment on function shared.person_data_sources() is
    'The one list of where the service keeps a person''s data: per export file, the tables it reads, what an erasure does to them, a description (the archive''s README.txt) and the query that reads them for user $1. Read by shared.person_data_export; every table with a user column must be in it.';

revoke all on function shared.person_data_sources() from public;

/** Section: the archive ---------------------------------------------------------------------- */

create or replace function shared.person_data_readme(p_user shared.users, p_files text[])
returns text
language plpgsql
stable
set search_path = ''
as $$
declare
    v_lines text[];
begin
    select array_agg(format('%s%s  %s', s.file_name, pg_catalog.repeat(' ', greatest(1, 34 - length(s.file_name))),
                            s.description) order by s.file_name like 'submissions/%', s.file_name)
      into v_lines
      from shared.person_data_sources() as s
     where s.file_name = any (p_files);
    return concat_ws(E'\n',
        'Fast Track: everything the service keeps about you',
        format('Exported %s (UTC) for the account %s.', to_char(pg_catalog.now() at time zone 'UTC', 'YYYY-MM-DD HH24:MI'), p_user.id),
        '',
        'Every file is JSON (UTF-8). Times are ISO 8601 with their offset; ids are UUIDs.',
        'A submissions/<tool>.json file is there for each tool you saved something in.',
        '',
        'Files:',
        array_to_string(v_lines, E'\n'),
        '',
        'Not in this archive: awards. The service does not keep them yet; when it does, they will be',
        'added here. Nothing else about you is kept: no passwords (you sign in through',
        'LearnWorlds), no copies of your sign-in tokens, and no text of your questions to the AI assistant.',
        '');
end;
$$;

comment on function shared.person_data_readme(shared.users, text[]) is
    'The README.txt of a person''s data archive: what each of its files holds (from shared.person_data_sources) and what is not there.';

revoke all on function shared.person_data_readme(shared.users, text[]) from public;

create or replace function shared.person_data_export(p_user_id uuid)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_user shared.users := shared.require_user(p_user_id);
    v_source record;
    v_content jsonb;
    v_files jsonb := '{}';
begin
    for v_source in select s.file_name, s.query from shared.person_data_sources() as s loop
        execute v_source.query into v_content using v_user.id;
        if v_content is not null then
            v_files := v_files || jsonb_build_object(v_source.file_name, v_content);
        end if;
    end loop;
    v_files := jsonb_build_object('README.txt',
                                  shared.person_data_readme(v_user, array(select jsonb_object_keys(v_files))))
               || v_files;
    return jsonb_build_object(
        'user_id', v_user.id,
        'generated_at', pg_catalog.now(),
        'filename', format('fast-track-personal-data-%s.zip', to_char(pg_catalog.now() at time zone 'UTC', 'YYYY-MM-DD')),
        'files', v_files);
end;
$$;

comment on function shared.person_data_export(uuid) is
    'Everything the service keeps about a user, as archive files: {user_id, generated_at, filename, files: {"README.txt": text, "account.json": ..., "submissions/woop.json": ...}}. Raises PT404 for an unknown user. DBA use: select shared.person_data_export(''<uuid>'') -> ''files'';';

revoke all on function shared.person_data_export(uuid) from public;
