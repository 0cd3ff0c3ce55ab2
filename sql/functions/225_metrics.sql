-- =============================================================================================
-- Operational figures for GET /metrics, read when Prometheus scrapes: the outbox's backlog and
-- dead events, and the AI assistant's circuit breaker. Counts only: nothing about any user.
-- =============================================================================================

/** Section: snapshot ------------------------------------------------------------------------- */

create or replace function shared.metrics_snapshot()
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_outbox jsonb;
    v_breaker jsonb;
begin
    -- outbox_events_status_idx (status, created_at) answers both counts and the oldest.
    select jsonb_build_object(
               'outbox_pending', count(*) filter (where e.status = 'pending'),
               'outbox_dead', count(*) filter (where e.status = 'dead'),
               'outbox_oldest_pending_age_seconds',
               coalesce(extract(epoch from pg_catalog.now()
                                 - min(e.created_at) filter (where e.status = 'pending')), 0))
      into v_outbox
      from shared.outbox_events as e
     where e.status in ('pending', 'dead');

    select jsonb_build_object(
               'ai_breaker_open', coalesce(c.open_until > pg_catalog.now(), false),
               'ai_breaker_consecutive_failures', c.consecutive_failures)
      into v_breaker
      from shared.ai_circuit as c;

    return v_outbox || coalesce(v_breaker, jsonb_build_object(
        'ai_breaker_open', false, 'ai_breaker_consecutive_failures', 0));
end;
$$;

comment on function shared.metrics_snapshot() is
    'The figures GET /metrics reads from the database: pending and dead outbox events, the age in seconds of the oldest pending one (0 when none), and whether the AI circuit breaker is open with its count of failures in a row.';

revoke all on function shared.metrics_snapshot() from public;
