-- =============================================================================================
-- The other coaching events: member_nudged (a guru's nudge, at most once per member, tool and
-- day of the organization's calendar) and the weekly guru_digest; and the one entry the
-- workers call to make every due coaching event (reminders: 255_coaching_events.sql).
-- =============================================================================================

/** Section: nudges --------------------------------------------------------------------------- */

create or replace function shared.nudge_members(p_organization shared.organizations, p_tool shared.tools, p_guru shared.users)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_day date := (pg_catalog.now() at time zone shared.organization_time_zone(p_organization))::date;
    v_member shared.users;
    v_nudged jsonb := '[]';
    v_skipped jsonb := '[]';
    v_ref jsonb;
begin
    for v_member in
        select u.* from shared.users as u
          join shared.user_progress as p on p.user_id = u.id and p.tool_slug = p_tool.slug
         where u.organization_id = p_organization.id and p.status <> 'completed'
         order by u.email
    loop
        v_ref := jsonb_build_object('id', v_member.id, 'email', v_member.email, 'full_name', v_member.full_name);
        if shared.record_coaching_event(
               'member_nudged', v_member, p_tool.slug, format('member_nudged:%s:%s:%s', v_member.id, p_tool.slug, v_day),
               jsonb_build_object('organization', jsonb_build_object('id', p_organization.id, 'name', p_organization.name),
                                  'nudged_by', jsonb_build_object('id', p_guru.id, 'email', p_guru.email,
                                                                  'full_name', p_guru.full_name))) is not null then
            v_nudged := v_nudged || v_ref;
        else
            v_skipped := v_skipped || v_ref;
        end if;
    end loop;
    return jsonb_build_object('tool', shared.tool_ref(p_tool), 'day', v_day, 'nudged', v_nudged,
                              'already_nudged_today', v_skipped);
end;
$$;

comment on function shared.nudge_members(shared.organizations, shared.tools, shared.users) is
    'A member_nudged event for every member who has not submitted the tool, unless they had one for it today (the organization''s day).';

revoke all on function shared.nudge_members(shared.organizations, shared.tools, shared.users) from public;

/** Section: the weekly digest ---------------------------------------------------------------- */

create or replace function shared.guru_digest(p_guru_id uuid)
returns jsonb
language sql
stable
set search_path = ''
as $$
    with coached as (
        select o.* from shared.organizations as o where o.id in (select shared.coached_organization_ids(p_guru_id))
    )
    select jsonb_build_object(
        'organizations', (select count(*) from coached),
        'stalled_members', (select coalesce(jsonb_agg(jsonb_build_object(
                                        'organization', jsonb_build_object('id', o.id, 'name', o.name),
                                        'user', jsonb_build_object('id', s.user_id, 'email', s.email, 'full_name', s.full_name),
                                        'last_saved_at', s.last_saved_at) order by o.name, s.email), '[]')
                              from coached as o cross join lateral shared.member_states(o.id) as s where s.stalled),
        'meetings_this_week', (select coalesce(jsonb_agg(shared.meeting_json(o, m.tool_slug, m.meeting_at)
                                                         || jsonb_build_object('organization', jsonb_build_object('id', o.id, 'name', o.name))
                                                         order by m.meeting_at), '[]')
                                 from coached as o join shared.meeting_schedules as m on m.organization_id = o.id
                                where m.meeting_at >= pg_catalog.now() and m.meeting_at < pg_catalog.now() + interval '7 days'),
        'overdue_action_items', (select coalesce(jsonb_agg(jsonb_build_object(
                                          'id', a.id, 'organization', jsonb_build_object('id', o.id, 'name', o.name),
                                          'tool_slug', a.tool_slug, 'task', a.task, 'owner_id', a.owner_id, 'due', a.due_on)
                                          order by a.due_on, a.id), '[]')
                                   from coached as o join shared.action_items as a on a.organization_id = o.id
                                  where a.status = 'open'
                                    and a.due_on < (pg_catalog.now() at time zone shared.organization_time_zone(o))::date));
$$;

comment on function shared.guru_digest(uuid) is
    'What a guru''s weekly digest says: stalled members, meetings in the coming 7 days and overdue action items, over every organization they coach.';

revoke all on function shared.guru_digest(uuid) from public;

create or replace function shared.arm_guru_digests()
returns integer
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_week text := pg_catalog.to_char(pg_catalog.now() at time zone 'UTC', 'IYYY-"W"IW');
    v_guru shared.users;
    v_count integer := 0;
begin
    -- once per ISO week (UTC), by whichever worker takes the row; the others skip it (never
    -- wait: a claim must not block on another's open transaction) and find the week done
    perform from shared.scheduled_runs as r
     where r.name = 'guru_digest' and r.last_period < v_week
       for update skip locked;
    if not found then
        return 0;
    end if;
    update shared.scheduled_runs as r set last_period = v_week where r.name = 'guru_digest';
    for v_guru in
        select u.* from shared.users as u
         where u.role = 'guru'
           and (exists (select from shared.organization_gurus as g where g.user_id = u.id)
                or exists (select from shared.group_gurus as g where g.user_id = u.id))
    loop
        if shared.record_coaching_event('guru_digest', v_guru, null, format('guru_digest:%s:%s', v_guru.id, v_week),
                                        jsonb_build_object('week', v_week, 'digest', shared.guru_digest(v_guru.id))) is not null then
            v_count := v_count + 1;
        end if;
    end loop;
    return v_count;
end;
$$;

comment on function shared.arm_guru_digests() is
    'Once per ISO week (UTC): a guru_digest event for every guru who coaches something; returns how many.';

revoke all on function shared.arm_guru_digests() from public;

/** Section: the workers' entry --------------------------------------------------------------- */

create or replace function shared.arm_scheduled_events()
returns integer
language plpgsql
volatile
set search_path = ''
as $$
begin
    return shared.arm_member_reminders() + shared.arm_guru_digests();
end;
$$;

comment on function shared.arm_scheduled_events() is
    'Makes every coaching event that is due (member reminders, the weekly digests); the workers call it before each claim.';

revoke all on function shared.arm_scheduled_events() from public;
