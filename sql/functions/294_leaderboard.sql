-- =============================================================================================
-- The leaderboard of an organization, this ISO week in its time zone: effort = active days
-- (local dates with a save or submit fact) + tools submitted (distinct tools with a submit
-- fact). Members who opted out (shared.gamification_preferences) are left out of everyone
-- else's view; they still see their own figures. Percentile bands place a rank among the
-- participants without naming anyone.
-- =============================================================================================

/** Section: bands and effort ----------------------------------------------------------------- */

create or replace function shared.percentile_band(p_rank integer, p_participants integer)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
    v_ahead numeric := (p_rank - 1)::numeric / greatest(p_participants, 1);  -- share strictly ahead
begin
    return case when v_ahead < 0.10 then 'top_10' when v_ahead < 0.25 then 'top_25'
                when v_ahead < 0.50 then 'top_50' else 'rest' end;
end;
$$;

comment on function shared.percentile_band(integer, integer) is
    'top_10, top_25, top_50 or rest, by the share of participants strictly ahead ((rank - 1) / participants): below 10%, 25%, 50%, else rest.';

revoke all on function shared.percentile_band(integer, integer) from public;

create or replace function shared.leaderboard_effort(p_organization shared.organizations, p_viewer_id uuid,
                                                     p_as_of timestamptz default pg_catalog.now())
returns table (user_id uuid, full_name varchar, takes_part boolean, active_days integer, tools_submitted integer,
               effort integer, rank integer, participants integer, band text)
language plpgsql
stable
set search_path = ''
as $$
declare
    v_zone text := shared.organization_time_zone(p_organization);
    v_week_start timestamptz := pg_catalog.date_trunc('week', p_as_of at time zone v_zone) at time zone v_zone;
begin
    -- a local date is shared.local_date's: the fact's time in the organization's zone
    return query
    with members as (
        select u.id, u.full_name, coalesce(p.leaderboard, true) as takes_part
          from shared.users as u
          left join shared.gamification_preferences as p on p.user_id = u.id
         where u.organization_id = p_organization.id
    ), figures as (
        select m.id, m.full_name, m.takes_part,
               coalesce(f.days, 0)::integer as days, coalesce(f.tools, 0)::integer as tools
          from members as m
          left join lateral (
              select count(distinct (a.occurred_at at time zone v_zone)::date) filter (where a.kind in ('save', 'submit')) as days,
                     count(distinct a.tool_slug) filter (where a.kind = 'submit') as tools
                from shared.activity_facts as a
               where a.user_id = m.id and a.occurred_at >= v_week_start and a.occurred_at <= p_as_of) as f on true
         where m.takes_part or m.id = p_viewer_id
    ), ranked as (
        select x.*, x.days + x.tools as score,
               (rank() over (order by x.days + x.tools desc))::integer as position,
               (count(*) over ())::integer as n
          from figures as x
    )
    select r.id, r.full_name, r.takes_part, r.days, r.tools, r.score, r.position, r.n,
           shared.percentile_band(r.position, r.n)
      from ranked as r
     order by r.position, r.full_name, r.id;
end;
$$;

comment on function shared.leaderboard_effort(shared.organizations, uuid, timestamptz) is
    'This ISO week''s effort of the organization''s members who take part (and of the viewer, who always sees themself): active days, tools submitted, effort = their sum, rank (ties share one) among them and its percentile band.';

revoke all on function shared.leaderboard_effort(shared.organizations, uuid, timestamptz) from public;

/** Section: answers -------------------------------------------------------------------------- */

create or replace function shared.gamification_meta()
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
begin
    -- computed for this answer from the facts: stale as soon as anyone saves or submits
    return jsonb_build_object('calculated_at', pg_catalog.now(), 'source', 'live', 'stale_after', pg_catalog.now());
end;
$$;

comment on function shared.gamification_meta() is
    'The meta of every gamification answer: live figures, calculated now, stale_after = calculated_at (nothing is cached).';

revoke all on function shared.gamification_meta() from public;

create or replace function shared.leaderboard_entry_json(p_entry record)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
begin
    return jsonb_build_object('rank', p_entry.rank, 'participants', p_entry.participants, 'band', p_entry.band,
                              'active_days', p_entry.active_days, 'tools_submitted', p_entry.tools_submitted,
                              'effort', p_entry.effort, 'takes_part', p_entry.takes_part);
end;
$$;

comment on function shared.leaderboard_entry_json(record) is 'A leaderboard row''s figures (rank, participants, band, active days, tools submitted, effort).';

revoke all on function shared.leaderboard_entry_json(record) from public;

create or replace function shared.organization_leaderboard(p_organization shared.organizations, p_viewer_id uuid)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_zone text := shared.organization_time_zone(p_organization);
    v_entries jsonb;
    v_me jsonb;
begin
    select coalesce(jsonb_agg(jsonb_build_object('user', jsonb_build_object('id', e.user_id, 'full_name', e.full_name))
                              || shared.leaderboard_entry_json(e) order by e.rank, e.full_name, e.user_id)
                    filter (where e.takes_part), '[]'),
           (array_agg(shared.leaderboard_entry_json(e)) filter (where e.user_id = p_viewer_id))[1]
      into v_entries, v_me
      from shared.leaderboard_effort(p_organization, p_viewer_id) as e;
    return jsonb_build_object(
        'organization', jsonb_build_object('id', p_organization.id, 'name', p_organization.name),
        'week', jsonb_build_object('starts_on', pg_catalog.date_trunc('week', pg_catalog.now() at time zone v_zone)::date,
                                   'time_zone', v_zone),
        'entries', v_entries, 'me', v_me);
end;
$$;

comment on function shared.organization_leaderboard(shared.organizations, uuid) is
    'The organization''s leaderboard this week: the participants by name with rank, band and figures; me: the viewer''s own row when they are a member (also when they opted out, computed as if they took part).';

revoke all on function shared.organization_leaderboard(shared.organizations, uuid) from public;

create or replace function shared.gamification_me(p_user shared.users)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_organization shared.organizations;
    v_position jsonb;
begin
    select o.* into v_organization from shared.organizations as o where o.id = p_user.organization_id;
    if v_organization.id is not null then
        select jsonb_build_object('organization_id', v_organization.id) || shared.leaderboard_entry_json(e) into v_position
          from shared.leaderboard_effort(v_organization, p_user.id) as e where e.user_id = p_user.id;
    end if;
    return jsonb_build_object(
        'points', shared.user_points(p_user.id),
        'streak', shared.submit_streak(p_user.id),
        'awards', (select coalesce(jsonb_agg(jsonb_build_object('kind', a.kind, 'subject', nullif(a.subject, ''),
                                                                'facts', a.facts, 'awarded_at', a.awarded_at)
                                             order by a.awarded_at, a.id), '[]')
                     from shared.awards as a where a.user_id = p_user.id),
        'leaderboard', v_position,
        'preferences', jsonb_build_object('leaderboard', coalesce((select p.leaderboard from shared.gamification_preferences as p
                                                                  where p.user_id = p_user.id), true)));
end;
$$;

comment on function shared.gamification_me(shared.users) is
    'A user''s own gamification: points (with each tool''s), streak, awards with their facts and times, their position in their organization''s leaderboard (null without one) and preferences.';

revoke all on function shared.gamification_me(shared.users) from public;

create or replace function shared.set_gamification_preferences(p_user_id uuid, p_leaderboard boolean)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_row shared.gamification_preferences;
begin
    if p_leaderboard is null then
        raise sqlstate 'PT422'
            using message = 'leaderboard must be true (take part) or false (leave me out of others'' leaderboards)',
                  detail  = json_build_object('code', 'INVALID_PREFERENCES', 'field', 'leaderboard')::text;
    end if;
    insert into shared.gamification_preferences as p (user_id, leaderboard)
    values (p_user_id, p_leaderboard)
        on conflict (user_id) do update set leaderboard = excluded.leaderboard, updated_at = pg_catalog.now()
    returning * into v_row;
    return jsonb_build_object('leaderboard', v_row.leaderboard, 'updated_at', v_row.updated_at);
end;
$$;

comment on function shared.set_gamification_preferences(uuid, boolean) is
    'Stores whether the user takes part in leaderboards (false: left out of everyone else''s view); PT422 INVALID_PREFERENCES without a value.';

revoke all on function shared.set_gamification_preferences(uuid, boolean) from public;
