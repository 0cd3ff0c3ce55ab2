-- =============================================================================================
-- Analytics entry points: a user's own figures, another user's (themself, a guru of their
-- organization, admins; anyone else PT404 as for an unknown user), and the manual refresh of
-- the heavy aggregates (gurus and admins, 3 per hour). The rules: 270_activity_facts.sql to
-- 273_user_forecast_risk.sql.
-- =============================================================================================

/** Section: per-user analytics --------------------------------------------------------------- */

create or replace function api.my_analytics()
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    return shared.user_analytics(shared.require_caller());
end;
$$;

comment on function api.my_analytics() is
    'GET /api/analytics/me: the caller''s analytics (shared.user_analytics), {data, meta}.';

revoke all on function api.my_analytics() from public;
grant execute on function api.my_analytics() to fasttrack_api;

create or replace function api.user_analytics(p_user_id uuid)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    return shared.user_analytics(shared.require_visible_user(shared.require_caller(), p_user_id));
end;
$$;

comment on function api.user_analytics(uuid) is
    'GET /api/analytics/users/{id}: a user''s analytics for themself, a guru of their organization or an admin (others PT404), {data, meta}.';

revoke all on function api.user_analytics(uuid) from public;
grant execute on function api.user_analytics(uuid) to fasttrack_api;

/** Section: refreshing ----------------------------------------------------------------------- */

create or replace function api.refresh_analytics()
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    return shared.request_analytics_refresh(shared.require_caller());
end;
$$;

comment on function api.refresh_analytics() is
    'POST /api/analytics/refresh: a guru or admin refreshes the analytics'' materialized views now (others PT403; 3 per hour, PT429 with retry_after; PT409 while one runs); answers what was refreshed.';

revoke all on function api.refresh_analytics() from public;
grant execute on function api.refresh_analytics() to fasttrack_api;
