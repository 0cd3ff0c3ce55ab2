-- =============================================================================================
-- What the analytics PDFs show (exports/ renders them): an organization's progress report
-- (its analytics, the members' drop-off risks and the next actions they suggest) and a user's
-- own progress page. The next actions are rules over the organization's figures, written here.
-- =============================================================================================

/** Section: next actions --------------------------------------------------------------------- */

create or replace function shared.organization_next_actions(p_analytics jsonb)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_actions jsonb := '[]';
    v_stalled jsonb := p_analytics -> 'stalled_members';
    v_stop jsonb;
    v_weak jsonb;
    v_pace jsonb := p_analytics #> '{pace,median_difference}';
begin
    -- 1. the five longest quiet stalled members, by name
    select v_actions || coalesce(jsonb_agg(jsonb_build_object(
               'kind', 'check_in', 'user', s -> 'user',
               'text', format('Check in with %s: stalled, last save %s.', s #>> '{user,full_name}',
                              coalesce(pg_catalog.to_char((s ->> 'last_saved_at')::timestamptz at time zone 'UTC', 'DD Mon YYYY'),
                                       'never')))), '[]')
      into v_actions
      from (select s from jsonb_array_elements(v_stalled) as s limit 5) as first_five;
    -- 2. the tool where the most members stopped (shown figures only)
    select f into v_stop
      from jsonb_array_elements(p_analytics -> 'funnel') as f
     where jsonb_typeof(f -> 'stopped_here') = 'number' and (f ->> 'stopped_here')::integer > 0
     order by (f ->> 'stopped_here')::integer desc, (f #>> '{tool,sprint_number}')::integer
     limit 1;
    if v_stop is not null then
        v_actions := v_actions || jsonb_build_object(
            'kind', 'unblock_tool', 'tool', v_stop -> 'tool',
            'text', format('Work through %s with the team: %s members stopped there.',
                           v_stop #>> '{tool,name}', v_stop ->> 'stopped_here'));
    end if;
    -- 3. the weakest step to the next sprint (below 100 percent)
    select f into v_weak
      from jsonb_array_elements(p_analytics -> 'funnel') as f
     where jsonb_typeof(f -> 'conversion_to_next') = 'number' and (f ->> 'conversion_to_next')::numeric < 100
     order by (f ->> 'conversion_to_next')::numeric, (f #>> '{tool,sprint_number}')::integer
     limit 1;
    if v_weak is not null then
        v_actions := v_actions || jsonb_build_object(
            'kind', 'next_sprint', 'tool', v_weak -> 'tool',
            'text', format('Help those who completed %s start the next sprint: %s%% went on.',
                           v_weak #>> '{tool,name}', v_weak ->> 'conversion_to_next'));
    end if;
    -- 4. the team behind the program's pace
    if jsonb_typeof(v_pace) = 'number' and (v_pace #>> '{}')::numeric < 0 then
        v_actions := v_actions || jsonb_build_object(
            'kind', 'pace', 'text',
            format('The team is %s tools behind the program''s median pace: plan the next meetings to catch up.',
                   abs((v_pace #>> '{}')::numeric)));
    end if;
    return v_actions;
end;
$$;

comment on function shared.organization_next_actions(jsonb) is
    'Next actions from an organization''s analytics: check in with the five longest quiet stalled members, the tool where most stopped, the weakest conversion to the next sprint, the pace when behind the program.';

revoke all on function shared.organization_next_actions(jsonb) from public;

/** Section: the organization report ---------------------------------------------------------- */

create or replace function shared.organization_report(p_organization shared.organizations)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_answer jsonb := shared.organization_analytics(p_organization);
begin
    return (v_answer -> 'data') || jsonb_build_object(
        'report', 'organization_progress',
        'generated_at', pg_catalog.now(),
        'risks', shared.organization_risks(p_organization.id),
        'next_actions', shared.organization_next_actions(v_answer -> 'data'),
        'meta', v_answer -> 'meta');
end;
$$;

comment on function shared.organization_report(shared.organizations) is
    'What the organization progress report PDF shows: shared.organization_analytics, the members'' drop-off risks with their factors, and the next actions.';

revoke all on function shared.organization_report(shared.organizations) from public;

/** Section: a user's own progress page ------------------------------------------------------- */

create or replace function shared.progress_page(p_user shared.users)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_day integer := floor(extract(epoch from pg_catalog.now() - p_user.created_at) / 86400)::integer;
    v_pace shared.analytics_program_pace;
    v_completed integer := (select count(*) from shared.user_progress as p
                             where p.user_id = p_user.id and p.status = 'completed');
    v_shown boolean;
begin
    select * into v_pace from shared.analytics_program_pace as pp where pp.day_since_joining = v_day;
    -- the program's median is shown when at least ANALYTICS_MIN_GROUP others make it
    v_shown := coalesce(v_pace.users - 1 >= shared.analytics_min_group(), false);
    return jsonb_build_object(
        'report', 'progress_page',
        'generated_at', pg_catalog.now(),
        'user', jsonb_build_object('id', p_user.id, 'email', p_user.email, 'full_name', p_user.full_name),
        'organization', (select jsonb_build_object('id', o.id, 'name', o.name)
                           from shared.organizations as o where o.id = p_user.organization_id),
        'days_since_joining', v_day,
        'tools_completed', v_completed,
        'tools_total', (select count(*) from shared.tools),
        'pace', jsonb_build_object(
            'program_median', case when v_shown then pg_catalog.to_jsonb(v_pace.median_tools) else shared.too_few_to_show() end,
            'difference', case when v_shown then pg_catalog.to_jsonb(v_completed - v_pace.median_tools) else shared.too_few_to_show() end),
        'analytics', shared.user_analytics_for_page(p_user),
        'tools', (select jsonb_agg(jsonb_build_object(
                             'tool', shared.tool_ref(t), 'status', p.status,
                             'started_at', p.started_at, 'completed_at', p.completed_at,
                             'days', case when p.status = 'completed'
                                          then round((extract(epoch from p.completed_at - p.started_at) / 86400)::numeric, 1) end)
                             order by t.sprint_number)
                    from shared.user_progress as p join shared.tools as t on t.slug = p.tool_slug
                   where p.user_id = p_user.id),
        'meta', shared.analytics_meta() || jsonb_build_object('sections', jsonb_build_object(
                    'pace', shared.analytics_meta(array['shared.analytics_program_pace']))));
end;
$$;

comment on function shared.progress_page(shared.users) is
    'What a user''s own progress page PDF shows: each tool''s status and days (first save to submit), tools completed, pace against the program median at the same day since joining (k-anonymous), and the per-user analytics.';

revoke all on function shared.progress_page(shared.users) from public;
