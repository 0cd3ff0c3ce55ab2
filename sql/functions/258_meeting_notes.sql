-- =============================================================================================
-- Meeting notes: what a team's meeting about a tool noted, versioned like submissions (a write
-- names the version it edited; an older one is PT409 STALE_VERSION; every version is kept in
-- shared.meeting_note_versions). The guru and admins write them; the members read them.
-- =============================================================================================

/** Section: the notes' shape ----------------------------------------------------------------- */

create or replace function shared.require_meeting_notes(p_notes jsonb)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_texts constant text[] := array['discussion_points', 'key_insights', 'concerns', 'decisions', 'next_steps'];
    v_key text;
    v_value jsonb;
    v_notes jsonb := '{}';
begin
    if p_notes is null or jsonb_typeof(p_notes) <> 'object' then
        raise sqlstate 'PT422'
            using message = 'notes must be a JSON object',
                  detail  = json_build_object('code', 'INVALID_NOTES', 'field', 'notes')::text;
    end if;
    for v_key in select k from jsonb_object_keys(p_notes) as k loop
        if v_key <> 'meeting_date' and v_key <> all (v_texts) then
            raise sqlstate 'PT422'
                using message = format('notes has no field "%s": it holds meeting_date, %s', left(v_key, 80), array_to_string(v_texts, ', ')),
                      detail  = json_build_object('code', 'INVALID_NOTES', 'field', v_key)::text;
        end if;
    end loop;
    foreach v_key in array v_texts loop
        v_value := p_notes -> v_key;
        if v_value is not null and jsonb_typeof(v_value) not in ('string', 'null') then
            raise sqlstate 'PT422'
                using message = format('notes.%s must be text (or null)', v_key),
                      detail  = json_build_object('code', 'INVALID_NOTES', 'field', v_key)::text;
        elsif length(v_value #>> '{}') > 20000 then
            raise sqlstate 'PT422'
                using message = format('notes.%s is longer than 20000 characters', v_key),
                      detail  = json_build_object('code', 'INVALID_NOTES', 'field', v_key)::text;
        end if;
        v_notes := v_notes || jsonb_build_object(v_key, coalesce(v_value, 'null'));
    end loop;
    v_value := p_notes -> 'meeting_date';
    if v_value is not null and jsonb_typeof(v_value) <> 'null' then
        v_value := to_jsonb(shared.require_iso_date(case when jsonb_typeof(v_value) = 'string' then v_value #>> '{}' end,
                                                    'meeting_date'));
    end if;
    return jsonb_build_object('meeting_date', coalesce(v_value, 'null')) || v_notes;
end;
$$;

comment on function shared.require_meeting_notes(jsonb) is
    'Meeting notes with every field present: meeting_date (a real ISO date or null) and the texts (at most 20000 characters, or null); PT422 (INVALID_NOTES) naming a wrong or unknown field.';

revoke all on function shared.require_meeting_notes(jsonb) from public;

create or replace function shared.require_iso_date(p_text text, p_field text)
returns date
language plpgsql
immutable
set search_path = ''
as $$
begin
    if p_text ~ '^\d{4}-\d{2}-\d{2}$' then
        begin
            return p_text::date;
        exception when datetime_field_overflow or invalid_datetime_format then
            null;  -- 2027-02-30: answered below like any other
        end;
    end if;
    raise sqlstate 'PT422'
        using message = format('%s must be a real date written YYYY-MM-DD', p_field),
              detail  = json_build_object('code', 'INVALID_DATE', 'field', p_field)::text;
end;
$$;

comment on function shared.require_iso_date(text, text) is 'The date a YYYY-MM-DD text names; PT422 (INVALID_DATE, naming the field) unless it is a real calendar date.';

revoke all on function shared.require_iso_date(text, text) from public;

/** Section: reading and writing -------------------------------------------------------------- */

create or replace function shared.meeting_notes_json(p_organization_id uuid, p_tool shared.tools, p_row shared.meeting_notes)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
begin
    return jsonb_build_object(
        'organization_id', p_organization_id, 'tool', shared.tool_ref(p_tool),
        'version', coalesce(p_row.version, 0),
        'notes', coalesce(p_row.notes, shared.require_meeting_notes('{}')),
        'updated_by', (select jsonb_build_object('id', u.id, 'email', u.email, 'full_name', u.full_name)
                         from shared.users as u where u.id = p_row.updated_by),
        'updated_at', p_row.updated_at);
end;
$$;

comment on function shared.meeting_notes_json(uuid, shared.tools, shared.meeting_notes) is
    'A meeting''s notes as answers show them; version 0 with every field null before the first write.';

revoke all on function shared.meeting_notes_json(uuid, shared.tools, shared.meeting_notes) from public;

create or replace function shared.get_meeting_notes(p_organization_id uuid, p_tool shared.tools)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_row shared.meeting_notes;
begin
    select n.* into v_row from shared.meeting_notes as n
     where n.organization_id = p_organization_id and n.tool_slug = p_tool.slug;
    return shared.meeting_notes_json(p_organization_id, p_tool, v_row);
end;
$$;

comment on function shared.get_meeting_notes(uuid, shared.tools) is 'The current notes of the team''s meeting about a tool (version 0 when none yet).';

revoke all on function shared.get_meeting_notes(uuid, shared.tools) from public;

create or replace function shared.save_meeting_notes(p_organization_id uuid, p_tool shared.tools, p_notes jsonb,
                                                     p_expected_version integer, p_user_id uuid)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_notes jsonb := shared.require_meeting_notes(p_notes);
    v_row shared.meeting_notes;
begin
    perform shared.require_version(p_expected_version);
    select n.* into v_row from shared.meeting_notes as n
     where n.organization_id = p_organization_id and n.tool_slug = p_tool.slug
       for update;
    if v_row.organization_id is null then
        perform shared.require_current_version(p_tool.slug, p_expected_version, 0);
        insert into shared.meeting_notes (organization_id, tool_slug, notes, updated_by)
        values (p_organization_id, p_tool.slug, v_notes, p_user_id)
            on conflict (organization_id, tool_slug) do nothing
        returning * into v_row;
        if v_row.organization_id is null then  -- another write made version 1 meanwhile
            perform shared.require_current_version(p_tool.slug, p_expected_version, 1);
        end if;
    elsif v_row.notes = v_notes then  -- the same notes again (a retried write) change nothing
        return shared.meeting_notes_json(p_organization_id, p_tool, v_row) || jsonb_build_object('changed', false);
    else
        perform shared.require_current_version(p_tool.slug, p_expected_version, v_row.version);
        update shared.meeting_notes as n
           set notes = v_notes, version = n.version + 1, updated_by = p_user_id, updated_at = pg_catalog.now()
         where n.organization_id = p_organization_id and n.tool_slug = p_tool.slug
        returning * into v_row;
    end if;
    insert into shared.meeting_note_versions (organization_id, tool_slug, version, notes, updated_by, updated_at)
    values (v_row.organization_id, v_row.tool_slug, v_row.version, v_row.notes, v_row.updated_by, v_row.updated_at);
    return shared.meeting_notes_json(p_organization_id, p_tool, v_row) || jsonb_build_object('changed', true);
end;
$$;

comment on function shared.save_meeting_notes(uuid, shared.tools, jsonb, integer, uuid) is
    'Writes a meeting''s notes when p_expected_version is the current one (0: none yet; else PT409 STALE_VERSION); keeps the new version in the history.';

revoke all on function shared.save_meeting_notes(uuid, shared.tools, jsonb, integer, uuid) from public;

create or replace function shared.meeting_notes_history(p_organization_id uuid, p_tool shared.tools)
returns jsonb
language sql
stable
set search_path = ''
as $$
    select coalesce(jsonb_agg(jsonb_build_object(
               'version', v.version, 'notes', v.notes, 'updated_at', v.updated_at,
               'updated_by', (select jsonb_build_object('id', u.id, 'email', u.email, 'full_name', u.full_name)
                                from shared.users as u where u.id = v.updated_by)) order by v.version desc), '[]')
      from shared.meeting_note_versions as v
     where v.organization_id = p_organization_id and v.tool_slug = p_tool.slug;
$$;

comment on function shared.meeting_notes_history(uuid, shared.tools) is 'Every version of a meeting''s notes, newest first.';

revoke all on function shared.meeting_notes_history(uuid, shared.tools) from public;
