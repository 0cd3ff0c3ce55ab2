-- =============================================================================================
-- What the analytics PDFs take from the per-user analytics (shared.user_analytics,
-- 273_user_forecast_risk.sql): each member's drop-off risk with its factors, and a user's own
-- figures for their progress page.
-- =============================================================================================

/** Section: risks ---------------------------------------------------------------------------- */

create or replace function shared.organization_risks(p_organization_id uuid)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
begin
    -- each member's own figure (no aggregate): the organization's gurus see each member already
    return jsonb_build_object(
        'available', true,
        'members', (
            select coalesce(jsonb_agg(jsonb_build_object(
                       'user', jsonb_build_object('id', u.id, 'email', u.email, 'full_name', u.full_name),
                       'score', r.risk -> 'score',
                       'factors', (select coalesce(jsonb_agg(f order by (f ->> 'points')::numeric desc), '[]')
                                     from jsonb_array_elements(r.risk -> 'factors') as f
                                    where (f ->> 'points')::numeric > 0))
                       order by (r.risk ->> 'score')::integer desc, u.email), '[]')
              from shared.users as u
              cross join lateral (select shared.user_analytics(u) #> '{data,dropoff_risk}' as risk) as r
             where u.organization_id = p_organization_id and u.role = 'user'));
end;
$$;

comment on function shared.organization_risks(uuid) is
    'The organization''s business leaders with their drop-off risk (shared.dropoff_risk: score and the factors that add points, with weight and points), highest first.';

revoke all on function shared.organization_risks(uuid) from public;

/** Section: a user's own figures ------------------------------------------------------------- */

create or replace function shared.user_analytics_for_page(p_user shared.users)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_data jsonb := shared.user_analytics(p_user) -> 'data';
begin
    return jsonb_build_object(
        'engagement_status', v_data -> 'engagement_status',
        'days_since_last_activity', v_data #> '{activity,days_since_last_activity}',
        'active_days', v_data #> '{activity,active_days}',
        'tools_per_active_week', v_data #> '{velocity,tools_per_active_week}',
        'velocity_trend', v_data #> '{velocity,trend}',
        'dropoff_risk', v_data #> '{dropoff_risk,score}',
        'forecast_finish_date', v_data #> '{forecast,forecast_finish_date}');
end;
$$;

comment on function shared.user_analytics_for_page(shared.users) is
    'The user''s own figures for their progress page, from shared.user_analytics: engagement status, days since last activity, active days, velocity and trend, drop-off risk score, forecast finish date.';

revoke all on function shared.user_analytics_for_page(shared.users) from public;
