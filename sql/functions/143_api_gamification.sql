-- =============================================================================================
-- Gamification entry points: a user's own points, streak, awards and leaderboard position; an
-- organization's leaderboard (its members, its gurus, admins; anyone else PT404 as for an
-- unknown organization); the leaderboard opt-out. Answers are {data, meta}: the web layer puts
-- meta (calculated_at, source 'live', stale_after) in the envelope. The rules:
-- 290_gamification_rules.sql to 294_leaderboard.sql.
-- =============================================================================================

/** Section: gamification --------------------------------------------------------------------- */

create or replace function api.gamification_me()
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    return jsonb_build_object('data', shared.gamification_me(shared.require_caller()), 'meta', shared.gamification_meta());
end;
$$;

comment on function api.gamification_me() is
    'GET /api/gamification/me: the caller''s points, streak, awards (with their facts and times), leaderboard position and preferences.';

revoke all on function api.gamification_me() from public;
grant execute on function api.gamification_me() to fasttrack_api;

create or replace function api.organization_leaderboard(p_organization_id uuid)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_caller shared.users := shared.require_caller();
    -- without an organization_id: the caller's own (none: 404 like an unknown one)
    v_organization shared.organizations := shared.require_organization_reader(
                                               v_caller, coalesce(p_organization_id, v_caller.organization_id));
begin
    return jsonb_build_object('data', shared.organization_leaderboard(v_organization, v_caller.id),
                              'meta', shared.gamification_meta());
end;
$$;

comment on function api.organization_leaderboard(uuid) is
    'GET /api/gamification/leaderboard?organization_id=: this week''s leaderboard of the organization, the caller''s own when left out (members, its gurus, admins; PT404 for anyone else).';

revoke all on function api.organization_leaderboard(uuid) from public;
grant execute on function api.organization_leaderboard(uuid) to fasttrack_api;

create or replace function api.set_gamification_preferences(p_leaderboard boolean)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    return jsonb_build_object('data', shared.set_gamification_preferences((shared.require_caller()).id, p_leaderboard),
                              'meta', shared.gamification_meta());
end;
$$;

comment on function api.set_gamification_preferences(boolean) is
    'PUT /api/gamification/me/preferences: whether the caller takes part in leaderboards (false: left out of everyone else''s).';

revoke all on function api.set_gamification_preferences(boolean) from public;
grant execute on function api.set_gamification_preferences(boolean) to fasttrack_api;
