-- =============================================================================================
-- Awards: achievements earned on a submit, in the submit's own transaction (an AFTER trigger on
-- the submit fact). Each is stored once (shared.awards' unique key: a concurrent second award
-- of the same kind is a no-op) with the facts that earned it, and announced once through the
-- outbox as an award_earned event. Only the awards a user does not have yet are computed.
-- =============================================================================================

/** Section: awarding ------------------------------------------------------------------------- */

create or replace function shared.grant_award(p_user_id uuid, p_tool_slug text, p_kind text, p_subject text, p_facts jsonb)
returns boolean
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_award shared.awards;
begin
    insert into shared.awards (user_id, kind, subject, facts)
    values (p_user_id, p_kind, p_subject, p_facts)
        on conflict (user_id, kind, subject) do nothing
    returning * into v_award;
    if v_award.id is null then
        return false;  -- already earned (perhaps by a concurrent submit that committed first)
    end if;
    perform shared.record_event('award_earned', p_user_id, p_tool_slug,
                                jsonb_build_object('award', jsonb_build_object(
                                    'kind', v_award.kind, 'subject', nullif(v_award.subject, ''),
                                    'facts', v_award.facts, 'awarded_at', v_award.awarded_at)));
    return true;
end;
$$;

comment on function shared.grant_award(uuid, text, text, text, jsonb) is
    'Stores an award once (the unique key decides, also between concurrent submits) and, only when it was new, writes its award_earned event (tool: the submit that earned it). True when it was new.';

revoke all on function shared.grant_award(uuid, text, text, text, jsonb) from public;

create or replace function shared.award_achievements(p_user_id uuid, p_tool_slug text, p_at timestamptz)
returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_rules jsonb := shared.gamification_rules();
    v_run integer := (v_rules ->> 'on_time_run_award')::integer;
    v_held text[];
    v_module integer := (select t.module_id from shared.tools as t where t.slug = p_tool_slug);
    v_tools jsonb;
    v_count integer;
    v_streak jsonb;
begin
    select coalesce(array_agg(a.kind || ':' || a.subject), '{}') into v_held
      from shared.awards as a where a.user_id = p_user_id;
    if v_held @> array['first_tool:', 'module_finished:' || v_module, 'all_tools:', 'five_on_time:', 'streak_8:'] then
        return;  -- nothing left to earn on this submit
    end if;
    select coalesce(jsonb_agg(jsonb_build_object('slug', s.tool_slug, 'module_id', s.module_id,
                                                 'submitted_at', s.first_submitted_at, 'meeting_at', s.meeting_at,
                                                 'on_time', s.on_time) order by s.first_submitted_at, s.tool_slug), '[]')
      into v_tools
      from shared.submitted_tools(p_user_id) as s;
    v_count := jsonb_array_length(v_tools);

    if not v_held @> array['first_tool:'] and v_count >= 1 then
        perform shared.grant_award(p_user_id, p_tool_slug, 'first_tool', '', jsonb_build_object('tool', v_tools -> 0));
    end if;
    if not v_held @> array['module_finished:' || v_module]
       and (select count(*) from jsonb_array_elements(v_tools) as e where (e.value ->> 'module_id')::integer = v_module)
           = (select count(*) from shared.tools as t where t.module_id = v_module) then
        perform shared.grant_award(p_user_id, p_tool_slug, 'module_finished', v_module::text, jsonb_build_object(
            'module', (select jsonb_build_object('id', m.id, 'name', m.name) from shared.modules as m where m.id = v_module),
            'tools', (select jsonb_agg(e.value - 'module_id' - 'meeting_at' - 'on_time')
                        from jsonb_array_elements(v_tools) as e where (e.value ->> 'module_id')::integer = v_module)));
    end if;
    if not v_held @> array['all_tools:'] and v_count = (select count(*) from shared.tools) then
        perform shared.grant_award(p_user_id, p_tool_slug, 'all_tools', '', jsonb_build_object(
            'tools', v_count, 'first_submitted_at', v_tools -> 0 -> 'submitted_at',
            'last_submitted_at', v_tools -> (v_count - 1) -> 'submitted_at'));
    end if;
    if not v_held @> array['five_on_time:'] and v_count >= v_run
       and (select bool_and((e.value ->> 'on_time')::boolean)
              from jsonb_array_elements(v_tools) with ordinality as e where e.ordinality > v_count - v_run) then
        perform shared.grant_award(p_user_id, p_tool_slug, 'five_on_time', '', jsonb_build_object(
            'tools', (select jsonb_agg(e.value - 'module_id' - 'on_time' order by e.ordinality)
                        from jsonb_array_elements(v_tools) with ordinality as e where e.ordinality > v_count - v_run)));
    end if;
    if not v_held @> array['streak_8:'] then
        v_streak := shared.submit_streak(p_user_id, p_at);
        if (v_streak ->> 'weeks')::integer >= (v_rules ->> 'streak_award_weeks')::integer then
            perform shared.grant_award(p_user_id, p_tool_slug, 'streak_8', '', jsonb_build_object(
                'weeks', v_streak -> 'weeks', 'week_starts', v_streak -> 'week_starts',
                'forgiven_weeks', v_streak -> 'forgiven_weeks', 'time_zone', v_streak -> 'time_zone'));
        end if;
    end if;
end;
$$;

comment on function shared.award_achievements(uuid, text, timestamptz) is
    'On a submit of p_tool_slug: grants what the user has now earned and does not hold yet: first_tool, module_finished (the tool''s module, every tool of it submitted), all_tools, five_on_time (the last five tools by first submit all on time), streak_8 (a streak of 8 weeks).';

revoke all on function shared.award_achievements(uuid, text, timestamptz) from public;

/** Section: the trigger ---------------------------------------------------------------------- */

create or replace function shared.tg_award_on_submit()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
    perform shared.award_achievements(new.user_id, new.tool_slug, new.occurred_at);
    return null;
end;
$$;

comment on function shared.tg_award_on_submit() is
    'AFTER INSERT trigger of a submit fact: the awards it earns, in the submit''s transaction (shared.award_achievements).';

revoke all on function shared.tg_award_on_submit() from public;

create or replace trigger activity_facts_awards
    after insert on shared.activity_facts
    for each row when (new.kind = 'submit')
    execute function shared.tg_award_on_submit();

comment on trigger activity_facts_awards on shared.activity_facts is
    'Awards earned by a submit, granted in its transaction (shared.tg_award_on_submit).';
