-- The coaching reads as they were before they were made set-based (the team view reading each
-- member's submission and each output's answers one by one, the organization list computing
-- each organization's figures by itself): python -m bench.coaching applies them inside a
-- transaction it rolls back, to compare their answers with the current ones and time both.

create or replace function shared.team_view(p_organization shared.organizations, p_tool shared.tools,
                                            p_min_respondents integer)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_tool_anonymous boolean := p_tool.anonymous;
    v_members jsonb;
begin
    -- each member once: their active submission (draft or submitted) and progress
    select coalesce(jsonb_agg(jsonb_build_object(
               'user', jsonb_build_object('id', u.id, 'email', u.email, 'full_name', u.full_name),
               'progress', p.status, 'status', s ->> 'status', 'submitted', s ->> 'status' = 'submitted',
               'data', s -> 'data',
               'last_saved_at', greatest(p.started_at, p.completed_at,
                                         (select max(v.replaced_at) from shared.submission_versions as v
                                           where v.user_id = u.id and v.tool_slug = p_tool.slug)))
               order by u.email), '[]')
      into v_members
      from shared.users as u
      join shared.user_progress as p on p.user_id = u.id and p.tool_slug = p_tool.slug
      cross join lateral (select shared.tool_submission(p_tool.slug, u.id, false) as s) as sub(s)
     where u.organization_id = p_organization.id;

    return jsonb_build_object(
        'organization', jsonb_build_object('id', p_organization.id, 'name', p_organization.name),
        'tool', shared.tool_ref(p_tool),
        'anonymous', v_tool_anonymous,
        'min_respondents', p_min_respondents,
        'readiness', shared.tool_readiness(p_organization.id, p_tool.slug)
                     || jsonb_build_object('to_nudge', (
                            select coalesce(jsonb_agg(jsonb_build_object('user', m -> 'user', 'status', m -> 'progress',
                                                                         'last_saved_at', m -> 'last_saved_at')
                                                      order by m -> 'user' ->> 'email'), '[]')
                              from jsonb_array_elements(v_members) as m where m ->> 'progress' <> 'completed')),
        'fields', (select coalesce(jsonb_agg(shared.team_field(f, v_members, v_tool_anonymous, p_min_respondents)
                                             order by f.position), '[]')
                     from shared.tool_fields as f where f.tool_slug = p_tool.slug));
end;
$$;

comment on function shared.team_view(shared.organizations, shared.tools, integer) is
    'GET /api/organizations/{id}/tools/{slug}/team: readiness with who to nudge, and every output''s answers side by side with its summary (anonymous ones without names, hidden under p_min_respondents answers).';

revoke all on function shared.team_view(shared.organizations, shared.tools, integer) from public;

create or replace function shared.team_field(p_field shared.tool_fields, p_members jsonb, p_tool_anonymous boolean,
                                             p_min_respondents integer)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_anonymous boolean := p_tool_anonymous or coalesce((p_field.rules ->> 'anonymous')::boolean, false);
    v_answers jsonb;
    v_values jsonb;
    v_count integer;
begin
    select coalesce(jsonb_agg(jsonb_build_object('user', m -> 'user', 'value', m -> 'data' #> p_field.path,
                                                 'status', m -> 'status', 'submitted', m -> 'submitted')
                              order by m -> 'user' ->> 'email'), '[]'),
           coalesce(jsonb_agg(m -> 'data' #> p_field.path), '[]'),
           count(*)
      into v_answers, v_values, v_count
      from jsonb_array_elements(p_members) as m
     where jsonb_typeof(m -> 'data' #> p_field.path) is distinct from 'null'
       and m -> 'data' #> p_field.path not in ('""', '[]', '{}');
    if v_anonymous then
        if v_count < p_min_respondents then
            return jsonb_build_object('field_id', p_field.field_id, 'label', p_field.label, 'type', p_field.value_type,
                                      'anonymous', true, 'respondents', v_count, 'hidden', true,
                                      'message', 'too few answers to show');
        end if;
        -- no names, and in value order so the order gives no one away
        select coalesce(jsonb_agg(jsonb_build_object('value', a -> 'value', 'submitted', a -> 'submitted')
                                  order by a -> 'value'), '[]')
          into v_answers from jsonb_array_elements(v_answers) as a;
    end if;
    return jsonb_build_object('field_id', p_field.field_id, 'label', p_field.label, 'type', p_field.value_type,
                              'anonymous', v_anonymous, 'respondents', v_count, 'hidden', false,
                              'answers', v_answers,
                              'summary', shared.answer_summary(p_field.value_type, p_field.rules, v_values));
end;
$$;

comment on function shared.team_field(shared.tool_fields, jsonb, boolean, integer) is
    'One output of the team view: the members'' answers (named unless anonymous) and their summary; an anonymous output under p_min_respondents answers shows neither.';

revoke all on function shared.team_field(shared.tool_fields, jsonb, boolean, integer) from public;

create or replace function shared.organization_summary(p_organization shared.organizations)
returns jsonb
language sql
stable
set search_path = ''
as $$
    select jsonb_build_object('id', p_organization.id, 'name', p_organization.name, 'slug', p_organization.slug,
                              'group_id', p_organization.group_id,
                              'time_zone', shared.organization_time_zone(p_organization),
                              'member_count', m.members, 'stalled_count', m.stalled)
           || (shared.team_figures(p_organization) - 'readiness')
      from (select count(*) as members, count(*) filter (where s.stalled) as stalled
              from shared.member_states(p_organization.id) as s) as m;
$$;

comment on function shared.organization_summary(shared.organizations) is
    'One organization of GET /api/organizations: member count, stalled members, the current tool and the next meeting.';

revoke all on function shared.organization_summary(shared.organizations) from public;

create or replace function shared.list_organizations(p_caller shared.users, p_cursor text, p_limit integer)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_page uuid[];
begin
    -- by slug (unique): the cursor is the last slug of the page before
    select array_agg(o.id order by o.slug) into v_page
      from (select o.id, o.slug from shared.organizations as o
             where (p_cursor is null or o.slug > p_cursor)
               and (p_caller.role = 'admin'
                    or o.id = p_caller.organization_id
                    or (p_caller.role = 'guru' and o.id in (select shared.coached_organization_ids(p_caller.id))))
             order by o.slug limit p_limit + 1) as o;
    return jsonb_build_object(
        'items', (select coalesce(jsonb_agg(shared.organization_summary(o) order by o.slug), '[]')
                    from shared.organizations as o where o.id = any (v_page[1:p_limit])),
        'next_cursor', case when coalesce(array_length(v_page, 1), 0) > p_limit
                            then (select o.slug from shared.organizations as o where o.id = v_page[p_limit]) end);
end;
$$;

comment on function shared.list_organizations(shared.users, text, integer) is
    'The organizations a caller may see (their own; a guru''s coached ones; all for an admin), by slug, one page after the cursor, with their figures.';

revoke all on function shared.list_organizations(shared.users, text, integer) from public;


create or replace function shared.member_states(p_organization_id uuid)
returns table (user_id uuid, email text, full_name text, last_saved_at timestamp with time zone, stalled boolean)
language sql
stable
set search_path = ''
as $$
    -- one pass over each member's 31 progress rows and one over their saved versions (both by
    -- user_id); the team's meeting tools once. Stalled: some counted tool (in progress, or
    -- unlocked with a meeting) and no save since max(last save, its unlock) + 7 days, which
    -- for "some tool" is the earliest unlock among them.
    with meetings as materialized (
        select coalesce(array_agg(m.tool_slug::text), '{}') as tools
          from shared.meeting_schedules as m where m.organization_id = p_organization_id
    )
    select u.id, u.email::text, u.full_name::text, greatest(pr.progress_at, sv.saved_at),
           coalesce(pr.counted and greatest(pr.progress_at, sv.saved_at, pr.open_since) < pg_catalog.now() - interval '7 days',
                    false)
      from meetings as mt
      cross join shared.users as u
      cross join lateral (
          select max(greatest(p.started_at, p.completed_at)) as progress_at,
                 coalesce(bool_or(p.status = 'in_progress' or (p.status = 'unlocked' and p.tool_slug = any (mt.tools))), false) as counted,
                 min(p.unlocked_at) filter (where p.status = 'in_progress' or (p.status = 'unlocked' and p.tool_slug = any (mt.tools))) as open_since
            from shared.user_progress as p where p.user_id = u.id) as pr
      cross join lateral (
          select max(v.replaced_at) as saved_at from shared.submission_versions as v where v.user_id = u.id) as sv
     where u.organization_id = p_organization_id;
$$;

comment on function shared.member_states(uuid) is
    'Each member of an organization with their last save and whether they are stalled (no save for 7 days while a tool is in progress, or unlocked with a meeting scheduled).';

revoke all on function shared.member_states(uuid) from public;
