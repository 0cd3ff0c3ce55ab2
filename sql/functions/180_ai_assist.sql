-- =============================================================================================
-- The AI assistant (n8n). The call to n8n happens outside any transaction, so a request is two
-- calls: assist_begin (limits, circuit breaker, the context the agent needs) and assist_finish
-- (outcome, latency, circuit breaker). Limits and the breaker live here, shared by every process.
-- =============================================================================================

/** Section: begin ---------------------------------------------------------------------------- */

create or replace function api.assist_begin(p_slug text, p_question text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_caller shared.users := shared.require_caller();
    v_tool shared.tools := shared.require_tool(p_slug);
    v_limits jsonb := shared.request_context() -> 'limits';
    v_limit integer := case when v_caller.role in ('guru', 'admin')
                            then coalesce((v_limits ->> 'ai_staff')::integer, 50)
                            else coalesce((v_limits ->> 'ai_user')::integer, 10) end;
    v_open_until timestamp with time zone;
    v_used integer;
    v_oldest timestamp with time zone;
    v_id uuid;
begin
    if p_question is null or length(btrim(p_question)) = 0 or length(p_question) > 2000 then
        raise sqlstate 'PT422'
            using message = 'question must be 1 to 2000 characters',
                  detail  = json_build_object('code', 'INVALID_QUESTION', 'length', length(p_question))::text;
    end if;

    if (shared.check_unlock_status(v_tool.slug, v_caller.id) ->> 'unlocked')::boolean is not true then
        raise sqlstate 'PT423'
            using message = format('%s is locked: finish the tools it depends on first', v_tool.name),
                  detail  = json_build_object('code', 'TOOL_LOCKED', 'tool', v_tool.slug)::text;
    end if;

    select c.open_until into v_open_until from shared.ai_circuit as c;
    if v_open_until > pg_catalog.now() then
        raise sqlstate 'PT503'
            using message = 'The AI assistant is failing right now; try again in a minute',
                  detail  = json_build_object('code', 'AI_UNAVAILABLE', 'retry_after',
                                              greatest(1, ceil(extract(epoch from v_open_until - pg_catalog.now()))::integer))::text;
    end if;

    perform shared.lock_user(v_caller.id);  -- two tabs cannot both take the last request of the hour
    select count(*), min(r.requested_at) into v_used, v_oldest
      from shared.ai_requests as r
     where r.user_id = v_caller.id and r.requested_at > pg_catalog.now() - interval '1 hour';
    perform shared.require_hourly_allowance(v_used, v_oldest, v_limit, 'AI questions');

    insert into shared.ai_requests (user_id, tool_slug, question_chars)
    values (v_caller.id, v_tool.slug, length(p_question))
    returning id into v_id;

    return jsonb_build_object(
        'request_id', v_id,
        'user_id', v_caller.id,
        'tool', jsonb_build_object('slug', v_tool.slug, 'name', v_tool.name, 'sprint_number', v_tool.sprint_number),
        'question', p_question,
        'context', jsonb_build_object(
            'data', shared.get_submission(v_tool.slug, v_caller.id) -> 'data',
            'dependencies', shared.resolve_dependencies(v_tool.slug, v_caller.id) -> 'values'));
end;
$$;

comment on function api.assist_begin(text, text) is
    'POST /api/tools/{slug}/assist, first half: checks the question, that the tool is open (PT423), the circuit breaker (PT503) and the hourly limit (10 for users, 50 for gurus and admins; PT429), records the request and returns what the agent is sent.';

revoke all on function api.assist_begin(text, text) from public;
grant execute on function api.assist_begin(text, text) to fasttrack_api;

/** Section: finish --------------------------------------------------------------------------- */

create or replace function api.assist_finish(p_request_id uuid, p_outcome text, p_latency_ms integer,
                                             p_answer text default null)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    -- the second half of one request: the first half already counted it
    v_caller shared.users := shared.authenticated_user();
    v_context jsonb := shared.request_context();
    v_threshold integer := coalesce((v_context ->> 'ai_failure_threshold')::integer, 5);
    v_cooldown integer := coalesce((v_context ->> 'ai_cooldown_seconds')::integer, 60);
    v_circuit shared.ai_circuit;
begin
    if p_outcome is null or p_outcome not in ('ok', 'error', 'timeout', 'malformed', 'unavailable') then
        raise sqlstate 'PT422'
            using message = 'outcome must be ok, error, timeout, malformed or unavailable',
                  detail  = json_build_object('code', 'INVALID_OUTCOME', 'outcome', p_outcome)::text;
    end if;
    update shared.ai_requests as r
       set outcome = p_outcome, latency_ms = p_latency_ms, answer = p_answer
     where r.id = p_request_id and r.user_id = v_caller.id and r.outcome = 'pending';
    if not found then
        raise sqlstate 'PT404'
            using message = 'No pending AI request with that id for this user',
                  detail  = json_build_object('code', 'AI_REQUEST_NOT_FOUND', 'request_id', p_request_id)::text;
    end if;

    update shared.ai_circuit as c
       set consecutive_failures = case when p_outcome = 'ok' then 0 else c.consecutive_failures + 1 end,
           open_until = case when p_outcome = 'ok' then null
                             when c.consecutive_failures + 1 >= v_threshold
                                  then pg_catalog.now() + make_interval(secs => v_cooldown)
                             else c.open_until end
    returning c.* into v_circuit;
    return jsonb_build_object('request_id', p_request_id, 'outcome', p_outcome,
                              'circuit_open', coalesce(v_circuit.open_until > pg_catalog.now(), false));
end;
$$;

comment on function api.assist_finish(uuid, text, integer, text) is
    'POST /api/tools/{slug}/assist, second half: records the outcome and latency; five failures in a row open the circuit breaker for the cool-down, a success closes it.';

revoke all on function api.assist_finish(uuid, text, integer, text) from public;
grant execute on function api.assist_finish(uuid, text, integer, text) to fasttrack_api;

/** Section: admins --------------------------------------------------------------------------- */

create or replace function api.admin_list_ai_requests(p_limit integer default 100,
                                                      p_before timestamp with time zone default null)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_limit integer;
begin
    perform shared.require_admin();
    v_limit := shared.require_limit(p_limit, 100, 500);
    return (select coalesce(jsonb_agg(to_jsonb(r.*) order by r.requested_at desc), '[]')
              from (select x.* from shared.ai_requests as x
                     where p_before is null or x.requested_at < p_before
                     order by x.requested_at desc limit v_limit) as r);
end;
$$;

comment on function api.admin_list_ai_requests(integer, timestamp with time zone) is
    'GET /api/admin/ai-requests: AI assistant requests, newest first (who, tool, when, latency, outcome).';

revoke all on function api.admin_list_ai_requests(integer, timestamp with time zone) from public;
grant execute on function api.admin_list_ai_requests(integer, timestamp with time zone) to fasttrack_api;
