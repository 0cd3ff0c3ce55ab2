-- =============================================================================================
-- Coaching events through the outbox (170_events.sql) and its worker: the meeting schedule
-- and its member_reminder 48 hours before, the weekly guru_digest, and member_nudged. Each
-- event carries a de-duplication key (shared.outbox_events.dedupe_key, unique), so whatever
-- the number of workers and retries it is made once: a reminder per meeting revision and
-- member, a nudge per member, tool and day, a digest per guru and ISO week.
-- The workers make the due ones at the start of every claim (shared.arm_scheduled_events).
-- =============================================================================================

/** Section: the schedule --------------------------------------------------------------------- */

create or replace function shared.require_meeting_at(p_meeting_at text, p_time_zone text)
returns timestamp with time zone
language plpgsql
stable
set search_path = ''
as $$
declare
    v_text text := btrim(p_meeting_at);
    v_at timestamp with time zone;
begin
    if v_text ~ '^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)?$' then
        begin
            if v_text ~ '(Z|[+-]\d{2}(:?\d{2})?)$' then
                v_at := v_text::timestamp with time zone;  -- an instant: its own offset
            else
                v_at := v_text::timestamp without time zone at time zone p_time_zone;  -- the team's wall clock
            end if;
        exception when invalid_datetime_format or datetime_field_overflow then
            v_at := null;  -- 2027-02-30T10:00: answered below like any other
        end;
    end if;
    if v_at is null then
        raise sqlstate 'PT422'
            using message = format('meeting_at "%s" is not a date and time: use ISO 8601, e.g. "2027-03-01T14:00" (the organization''s time zone) or "2027-03-01T13:00:00Z"', left(p_meeting_at, 80)),
                  detail  = json_build_object('code', 'INVALID_MEETING_AT', 'field', 'meeting_at')::text;
    end if;
    if v_at <= pg_catalog.now() then
        raise sqlstate 'PT422'
            using message = 'meeting_at is in the past: a meeting is scheduled ahead',
                  detail  = json_build_object('code', 'MEETING_IN_PAST', 'field', 'meeting_at')::text;
    end if;
    return v_at;
end;
$$;

comment on function shared.require_meeting_at(text, text) is
    'An ISO 8601 date and time as an instant: with an offset as written, without one on the organization''s wall clock; PT422 (INVALID_MEETING_AT, MEETING_IN_PAST).';

revoke all on function shared.require_meeting_at(text, text) from public;

create or replace function shared.set_schedule(p_organization shared.organizations, p_tool shared.tools,
                                               p_meeting_at text, p_set_by uuid)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_at timestamp with time zone := shared.require_meeting_at(p_meeting_at, shared.organization_time_zone(p_organization));
    v_row shared.meeting_schedules;
begin
    -- a moved meeting is a new revision with its reminder armed again
    insert into shared.meeting_schedules as m (organization_id, tool_slug, meeting_at, set_by)
    values (p_organization.id, p_tool.slug, v_at, p_set_by)
        on conflict (organization_id, tool_slug) do update
           set meeting_at = excluded.meeting_at, set_by = excluded.set_by, updated_at = pg_catalog.now(),
               revision = m.revision + 1, reminded_at = null
         where m.meeting_at is distinct from excluded.meeting_at
    returning m.* into v_row;
    if v_row.organization_id is null then  -- the same time again: nothing changes
        select m.* into v_row from shared.meeting_schedules as m
         where m.organization_id = p_organization.id and m.tool_slug = p_tool.slug;
    end if;
    perform pg_catalog.pg_notify('fasttrack_outbox', '');  -- a reminder may be due already
    return shared.schedule_json(p_organization, v_row);
end;
$$;

comment on function shared.set_schedule(shared.organizations, shared.tools, text, uuid) is
    'Schedules (or moves) the team''s meeting about a tool; a move is a new revision whose member reminders are armed again.';

revoke all on function shared.set_schedule(shared.organizations, shared.tools, text, uuid) from public;

create or replace function shared.schedule_json(p_organization shared.organizations, p_row shared.meeting_schedules)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
begin
    return shared.meeting_json(p_organization, p_row.tool_slug, p_row.meeting_at)
           || jsonb_build_object('revision', p_row.revision, 'reminder_at', p_row.meeting_at - interval '48 hours',
                                 'reminded_at', p_row.reminded_at, 'updated_at', p_row.updated_at);
end;
$$;

comment on function shared.schedule_json(shared.organizations, shared.meeting_schedules) is
    'A scheduled meeting with its revision and when its reminders go (48 hours before) or went.';

revoke all on function shared.schedule_json(shared.organizations, shared.meeting_schedules) from public;

/** Section: events --------------------------------------------------------------------------- */

create or replace function shared.record_coaching_event(p_event_type text, p_user shared.users, p_tool_slug text,
                                                        p_dedupe_key text, p_extra jsonb)
returns uuid
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_id uuid := gen_random_uuid();
    v_inserted uuid;
begin
    insert into shared.outbox_events (id, event_type, user_id, tool_slug, payload, dedupe_key)
    values (v_id, p_event_type, p_user.id, p_tool_slug,
            jsonb_build_object(
                'event_id', v_id, 'type', p_event_type, 'occurred_at', pg_catalog.now(),
                'user', jsonb_build_object('id', p_user.id, 'email', p_user.email, 'full_name', p_user.full_name,
                                           'lms_user_id', p_user.lms_user_id, 'organization_id', p_user.organization_id),
                'tool', (select shared.tool_ref(t) from shared.tools as t where t.slug = p_tool_slug))
            || coalesce(p_extra, '{}'),
            p_dedupe_key)
        on conflict (dedupe_key) where dedupe_key is not null do nothing
    returning id into v_inserted;
    return v_inserted;
end;
$$;

comment on function shared.record_coaching_event(text, shared.users, text, text, jsonb) is
    'Writes a member_reminder, member_nudged or guru_digest event unless one with the same dedupe_key exists; returns its id, null when it existed.';

revoke all on function shared.record_coaching_event(text, shared.users, text, text, jsonb) from public;

create or replace function shared.arm_member_reminders()
returns integer
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_meeting shared.meeting_schedules;
    v_organization shared.organizations;
    v_member shared.users;
    v_count integer := 0;
begin
    -- a meeting whose reminder is due is taken by one worker (the others skip the locked row, or
    -- see reminded_at once it commits); the dedupe key is the second guard
    for v_meeting in
        select m.* from shared.meeting_schedules as m
         where m.reminded_at is null
           and m.meeting_at <= pg_catalog.now() + interval '48 hours' and m.meeting_at > pg_catalog.now()
           for update skip locked
    loop
        select o.* into v_organization from shared.organizations as o where o.id = v_meeting.organization_id;
        for v_member in
            select u.* from shared.users as u
              join shared.user_progress as p on p.user_id = u.id and p.tool_slug = v_meeting.tool_slug
             where u.organization_id = v_meeting.organization_id and p.status <> 'completed'
        loop
            if shared.record_coaching_event(
                   'member_reminder', v_member, v_meeting.tool_slug,
                   format('member_reminder:%s:%s:%s:%s', v_meeting.organization_id, v_meeting.tool_slug,
                          v_meeting.revision, v_member.id),
                   jsonb_build_object('organization', jsonb_build_object('id', v_organization.id, 'name', v_organization.name),
                                      'meeting', shared.meeting_json(v_organization, v_meeting.tool_slug, v_meeting.meeting_at))) is not null then
                v_count := v_count + 1;
            end if;
        end loop;
        update shared.meeting_schedules as m set reminded_at = pg_catalog.now()
         where m.organization_id = v_meeting.organization_id and m.tool_slug = v_meeting.tool_slug;
    end loop;
    return v_count;
end;
$$;

comment on function shared.arm_member_reminders() is
    'Puts a member_reminder in the outbox for every member who has not submitted the tool of a meeting 48 hours away or less, once per meeting revision; returns how many.';

revoke all on function shared.arm_member_reminders() from public;
