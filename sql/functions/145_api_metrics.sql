-- =============================================================================================
-- Web entry point that needs no caller: the figures GET /metrics reads at scrape time (the
-- endpoint itself is guarded by METRICS_TOKEN in the web layer; see fasttrack/web/metrics.py).
-- =============================================================================================

/** Section: metrics -------------------------------------------------------------------------- */

create or replace function api.metrics_snapshot()
returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
    return shared.metrics_snapshot();
end;
$$;

comment on function api.metrics_snapshot() is
    'GET /metrics: outbox backlog, age of the oldest pending event, dead events and the AI circuit breaker''s state (shared.metrics_snapshot); counts only, no user data.';

revoke all on function api.metrics_snapshot() from public;
grant execute on function api.metrics_snapshot() to fasttrack_api;
