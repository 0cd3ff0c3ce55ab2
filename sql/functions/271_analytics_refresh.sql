-- =============================================================================================
-- Refreshing the analytics' heavy aggregates (materialized views over the facts): daily by the
-- worker at ANALYTICS_REFRESH_AT (once a day whatever the number of workers: the
-- shared.scheduled_runs row 'analytics_refresh', as the coaching digests do) and on demand by
-- gurus and admins (POST /api/analytics/refresh, at most 3 per caller per hour).
--
-- Every view is refreshed CONCURRENTLY (readers are never blocked; each has a unique index), and
-- never by two sessions at once (a transaction-level advisory lock: the second is told so). Each
-- view's calculated_at and duration land in shared.analytics_refreshes, which answers' meta read.
-- =============================================================================================

/** Section: the views ------------------------------------------------------------------------ */

-- The one list of analytics materialized views, in refresh order: add a view here.
create or replace function shared.analytics_views()
returns text[]
language plpgsql
immutable
set search_path = ''
as $$
begin
    return array[
        'shared.analytics_tool_times',
        'shared.analytics_saves_per_submit',
        'shared.analytics_tool_funnels',      -- organization and program analytics (281): the
        'shared.analytics_program_pace',      -- pace before the summaries, which read it
        'shared.analytics_group_summaries'
    ];
end;
$$;

comment on function shared.analytics_views() is
    'Every analytics materialized view, in the order shared.refresh_analytics refreshes them (each needs a unique index).';

revoke all on function shared.analytics_views() from public;

/** Section: refreshing ----------------------------------------------------------------------- */

create or replace function shared.refresh_analytics(p_trigger text default 'manual')
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_view text;
    v_started timestamptz;
    v_refreshed jsonb := '[]';
    v_ms integer;
begin
    if not pg_catalog.pg_try_advisory_xact_lock(pg_catalog.hashtext('shared.refresh_analytics')) then
        raise sqlstate 'PT409'
            using message = 'The analytics are being refreshed right now; the figures will be fresh in a moment',
                  detail  = json_build_object('code', 'ANALYTICS_REFRESH_RUNNING')::text;
    end if;
    foreach v_view in array shared.analytics_views() loop
        v_started := pg_catalog.clock_timestamp();
        execute format('refresh materialized view concurrently %s', v_view::regclass);
        v_ms := (extract(epoch from pg_catalog.clock_timestamp() - v_started) * 1000)::integer;
        insert into shared.analytics_refreshes as r (view_name, calculated_at, duration_ms, trigger)
        values (v_view, pg_catalog.clock_timestamp(), v_ms, p_trigger)
            on conflict (view_name) do update
           set calculated_at = excluded.calculated_at, duration_ms = excluded.duration_ms, trigger = excluded.trigger;
        v_refreshed := v_refreshed || jsonb_build_object('view', v_view, 'calculated_at', pg_catalog.clock_timestamp(),
                                                         'duration_ms', v_ms);
    end loop;
    return jsonb_build_object('trigger', p_trigger, 'refreshed', v_refreshed,
                              'duration_ms', (select sum((r.value ->> 'duration_ms')::integer)
                                                from jsonb_array_elements(v_refreshed) as r));
end;
$$;

comment on function shared.refresh_analytics(text) is
    'Refreshes every analytics materialized view (shared.analytics_views) concurrently, records each one''s calculated_at and duration_ms in shared.analytics_refreshes, and answers {trigger, refreshed: [{view, calculated_at, duration_ms}], duration_ms}. Raises PT409 (ANALYTICS_REFRESH_RUNNING) while another session refreshes. DBA use: select shared.refresh_analytics();';

revoke all on function shared.refresh_analytics(text) from public;

/** Section: staleness ------------------------------------------------------------------------ */

-- A live figure is calculated now and stale at once; a snapshot is as old as its view's last
-- refresh and stale a day after it (the next daily run).
create or replace function shared.analytics_meta(p_views text[] default null)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_calculated_at timestamptz;
begin
    if p_views is null or cardinality(p_views) = 0 then
        return jsonb_build_object('calculated_at', pg_catalog.now(), 'source', 'live', 'stale_after', pg_catalog.now());
    end if;
    select min(r.calculated_at) into v_calculated_at from shared.analytics_refreshes as r where r.view_name = any (p_views);
    return jsonb_build_object('calculated_at', v_calculated_at, 'source', 'snapshot',
                              'stale_after', v_calculated_at + interval '1 day');
end;
$$;

comment on function shared.analytics_meta(text[]) is
    'An analytics answer''s meta: {calculated_at, source, stale_after}. Without views: live (calculated now). With views: snapshot, calculated at the oldest of their last refreshes, stale a day later.';

revoke all on function shared.analytics_meta(text[]) from public;

/** Section: manual refreshes ----------------------------------------------------------------- */

create or replace function shared.require_refresh_allowance(p_caller shared.users, p_per_hour integer)
returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_used integer;
    v_oldest timestamptz;
begin
    perform shared.lock_user(p_caller.id);  -- two tabs cannot both take the last refresh of the hour
    select count(*), min(r.requested_at) into v_used, v_oldest
      from shared.analytics_refresh_requests as r
     where r.requested_by = p_caller.id and r.requested_at > pg_catalog.now() - interval '1 hour';
    perform shared.require_hourly_allowance(v_used, v_oldest, p_per_hour, 'analytics refreshes');
end;
$$;

comment on function shared.require_refresh_allowance(shared.users, integer) is
    'Raises PT429 (RATE_LIMITED, retry_after: when the oldest of the hour expires) when the caller already refreshed the analytics p_per_hour times in the last hour.';

revoke all on function shared.require_refresh_allowance(shared.users, integer) from public;

create or replace function shared.request_analytics_refresh(p_caller shared.users)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_per_hour integer := coalesce(shared.request_limit('analytics_refresh'), 3);
begin
    if p_caller.role not in ('guru', 'admin') then
        raise sqlstate 'PT403'
            using message = 'Only gurus and admins refresh the analytics',
                  detail  = json_build_object('code', 'FORBIDDEN')::text;
    end if;
    perform shared.require_refresh_allowance(p_caller, v_per_hour);
    insert into shared.analytics_refresh_requests (requested_by) values (p_caller.id);
    return shared.refresh_analytics('manual');
end;
$$;

comment on function shared.request_analytics_refresh(shared.users) is
    'A guru''s or admin''s refresh of the analytics (others PT403): at most request.context limits.analytics_refresh (3) per hour (PT429 with retry_after), then shared.refresh_analytics; a refresh refused as running (PT409) is not counted.';

revoke all on function shared.request_analytics_refresh(shared.users) from public;

/** Section: the daily run -------------------------------------------------------------------- */

create or replace function shared.run_daily_analytics_refresh(p_refresh_at time)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_now timestamp := pg_catalog.now() at time zone 'UTC';
    v_day text := pg_catalog.to_char(v_now, 'YYYY-MM-DD');
begin
    if v_now::time < p_refresh_at then
        return jsonb_build_object('status', 'not_due');
    end if;
    -- once per UTC day, by whichever worker takes the row; the others skip it (never wait) and
    -- find the day done
    perform from shared.scheduled_runs as r
     where r.name = 'analytics_refresh' and r.last_period < v_day
       for update skip locked;
    if not found then
        return jsonb_build_object('status', 'done_today');
    end if;
    update shared.scheduled_runs as r set last_period = v_day where r.name = 'analytics_refresh';
    return jsonb_build_object('status', 'refreshed', 'day', v_day) || shared.refresh_analytics('schedule');
end;
$$;

comment on function shared.run_daily_analytics_refresh(time) is
    'The daily refresh: once per UTC day from p_refresh_at (ANALYTICS_REFRESH_AT) on, by one worker whatever their number (shared.scheduled_runs analytics_refresh). Answers status not_due, done_today or refreshed (with shared.refresh_analytics''s answer).';

revoke all on function shared.run_daily_analytics_refresh(time) from public;

create or replace function api.worker_refresh_analytics(p_refresh_at time)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    return shared.run_daily_analytics_refresh(p_refresh_at);
end;
$$;

comment on function api.worker_refresh_analytics(time) is
    'The worker''s daily analytics refresh (shared.run_daily_analytics_refresh) at ANALYTICS_REFRESH_AT, UTC.';

revoke all on function api.worker_refresh_analytics(time) from public;
grant execute on function api.worker_refresh_analytics(time) to fasttrack_worker;
