-- =============================================================================================
-- LearnWorlds: which course belongs to which tool (config/learnworlds.json), and the webhook
-- events it sends, each handled exactly once.
-- =============================================================================================

/** Section: course mapping ------------------------------------------------------------------- */

create or replace function shared.sync_lms_courses(p_config jsonb)
returns integer
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_bad text;
    v_count integer;
    v_removed integer;
begin
    if jsonb_typeof(p_config -> 'courses') is distinct from 'object' then
        raise sqlstate 'PT422'
            using message = 'learnworlds.json must have a "courses" object mapping course ids to tool slugs',
                  detail  = json_build_object('code', 'INVALID_LMS_CONFIG')::text;
    end if;
    select format('course "%s" maps to %s', c.key, c.value) into v_bad
      from jsonb_each(p_config -> 'courses') as c
     where jsonb_typeof(c.value) <> 'string'
        or not exists (select from shared.tools as t where t.slug = c.value #>> '{}')
     limit 1;
    if v_bad is not null then
        raise sqlstate 'PT422'
            using message = format('Invalid learnworlds.json: %s, which is not a tool slug', v_bad),
                  detail  = json_build_object('code', 'INVALID_LMS_CONFIG', 'entry', v_bad)::text;
    end if;

    insert into shared.lms_courses as l (course_id, tool_slug)
    select c.key, c.value #>> '{}' from jsonb_each(p_config -> 'courses') as c
        on conflict (course_id) do update set tool_slug = excluded.tool_slug
     where l.tool_slug is distinct from excluded.tool_slug;
    get diagnostics v_count = row_count;
    delete from shared.lms_courses as l where not (p_config -> 'courses') ? l.course_id;
    get diagnostics v_removed = row_count;
    return v_count + v_removed;
end;
$$;

comment on function shared.sync_lms_courses(jsonb) is
    'Applies config/learnworlds.json (course id -> tool slug); raises PT422 naming a course that maps to no tool. Returns the number of rows changed.';

revoke all on function shared.sync_lms_courses(jsonb) from public;

/** Section: webhook events ------------------------------------------------------------------- */

create or replace function shared.handle_course_completed(p_payload jsonb)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_lms_user_id text := p_payload #>> '{data,user,id}';
    v_course_id text := p_payload #>> '{data,course,id}';
    v_user_id uuid;
    v_tool text;
    v_status text;
begin
    select u.id into v_user_id from shared.users as u where u.lms_user_id = v_lms_user_id;
    select l.tool_slug into v_tool from shared.lms_courses as l where l.course_id = v_course_id;
    if v_user_id is null or v_tool is null then
        return jsonb_build_object('status', 'ignored',
                                  'reason', case when v_user_id is null then 'unknown user' else 'course maps to no tool' end,
                                  'lms_user_id', v_lms_user_id, 'course_id', v_course_id);
    end if;
    select p.status into v_status from shared.user_progress as p where p.user_id = v_user_id and p.tool_slug = v_tool;
    if v_status = 'locked' then
        perform shared.update_progress(v_user_id, v_tool, 'unlocked');
    end if;
    return jsonb_build_object('status', 'processed', 'user_id', v_user_id, 'tool', v_tool,
                              'unlocked', v_status = 'locked');
end;
$$;

comment on function shared.handle_course_completed(jsonb) is
    'A LearnWorlds courseCompleted event: opens the course''s tool for the user when it is still locked.';

revoke all on function shared.handle_course_completed(jsonb) from public;

create or replace function api.learnworlds_event(p_event_id text, p_event_type text, p_payload jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_outcome jsonb;
begin
    if coalesce(p_event_id, '') = '' or p_payload is null or jsonb_typeof(p_payload) <> 'object' then
        raise sqlstate 'PT422'
            using message = 'A webhook event needs an id and a JSON object body',
                  detail  = json_build_object('code', 'INVALID_EVENT')::text;
    end if;
    insert into shared.webhook_events (source, event_id, event_type, payload)
    values ('learnworlds', p_event_id, coalesce(p_event_type, ''), p_payload)
        on conflict (source, event_id) do nothing;
    if not found then
        return jsonb_build_object('status', 'duplicate', 'event_id', p_event_id);
    end if;

    v_outcome := case p_event_type
                     when 'courseCompleted' then shared.handle_course_completed(p_payload)
                     else jsonb_build_object('status', 'ignored', 'reason', 'event type not handled')
                 end;
    update shared.webhook_events as e set outcome = v_outcome
     where e.source = 'learnworlds' and e.event_id = p_event_id;
    return v_outcome || jsonb_build_object('event_id', p_event_id);
end;
$$;

comment on function api.learnworlds_event(text, text, jsonb) is
    'POST /api/webhooks/learnworlds after its signature checked out: records the event once (a repeat answers status duplicate) and handles courseCompleted.';

revoke all on function api.learnworlds_event(text, text, jsonb) from public;
grant execute on function api.learnworlds_event(text, text, jsonb) to fasttrack_api;
