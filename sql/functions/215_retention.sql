-- =============================================================================================
-- Retention: history that would otherwise grow for ever is deleted once it is old enough.
-- Each call deletes at most one batch of one rule and returns how many rows went, so a caller
-- (the worker, fasttrack/worker.py, or a DBA) runs short transactions one after another and
-- never holds a long lock. Rows another transaction holds are skipped (SKIP LOCKED) and taken
-- by a later batch.
--   delivered_events   shared.outbox_events delivered longer ago than the limit
--   ai_requests        shared.ai_requests older than the limit
--   versions           shared.submission_versions beyond the newest p_keep of a submission and
--                      older than the limit; never the last submitted version of a submission
--   expired_sessions   shared.refresh_tokens expired longer ago than the limit
-- =============================================================================================

/** Section: one batch of one rule ------------------------------------------------------------ */

create or replace function shared.require_retention_rule(p_rule text, p_older_than interval, p_batch integer,
                                                        p_keep integer)
returns void
language plpgsql
immutable
set search_path = ''
as $$
begin
    if p_rule is null or p_rule not in ('delivered_events', 'ai_requests', 'versions', 'expired_sessions') then
        raise sqlstate 'PT422'
            using message = format('Unknown retention rule "%s"; use delivered_events, ai_requests, versions or expired_sessions', p_rule),
                  detail  = json_build_object('code', 'INVALID_RETENTION_RULE', 'rule', p_rule)::text;
    end if;
    if p_older_than is null or p_older_than < interval '0' or p_batch is null or p_batch not between 1 and 100000
       or (p_rule = 'versions' and (p_keep is null or p_keep < 1)) then
        raise sqlstate 'PT422'
            using message = 'Retention needs an age of at least 0, a batch of 1 to 100000 rows and, for versions, keep >= 1',
                  detail  = json_build_object('code', 'INVALID_RETENTION', 'rule', p_rule, 'older_than', p_older_than,
                                              'batch', p_batch, 'keep', p_keep)::text;
    end if;
end;
$$;

comment on function shared.require_retention_rule(text, interval, integer, integer) is
    'Raises PT422 unless the rule is known (INVALID_RETENTION_RULE) and the age, batch size and, for versions, the number kept are sane (INVALID_RETENTION).';

revoke all on function shared.require_retention_rule(text, interval, integer, integer) from public;

create or replace function shared.apply_retention(p_rule text, p_older_than interval, p_batch integer default 1000,
                                                  p_keep integer default 50)
returns integer
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_cutoff timestamptz := pg_catalog.now() - p_older_than;
    v_count integer;
begin
    perform shared.require_retention_rule(p_rule, p_older_than, p_batch, p_keep);
    case p_rule
        when 'delivered_events' then
            delete from shared.outbox_events as e
             where e.id in (select x.id from shared.outbox_events as x
                             where x.status = 'delivered' and coalesce(x.delivered_at, x.created_at) < v_cutoff
                             limit p_batch for update skip locked);
        when 'ai_requests' then
            delete from shared.ai_requests as r
             where r.id in (select x.id from shared.ai_requests as x
                             where x.requested_at < v_cutoff
                             limit p_batch for update skip locked);
        when 'versions' then
            delete from shared.submission_versions as v
             where v.id in (
                 select x.id
                   from (select y.id, coalesce(y.saved_at, y.replaced_at) as saved,
                                y.version,
                                row_number() over w as newest_first,
                                max(y.version) filter (where y.status in ('submitted', 'completed')) over (partition by y.tool_slug, y.submission_id)
                                    as last_submitted
                           from shared.submission_versions as y
                          where (y.tool_slug, y.submission_id) in (
                                    select z.tool_slug, z.submission_id from shared.submission_versions as z
                                     group by z.tool_slug, z.submission_id having count(*) > p_keep)
                         window w as (partition by y.tool_slug, y.submission_id order by y.version desc)) as x
                  where x.newest_first > p_keep and x.saved < v_cutoff
                    and x.version is distinct from x.last_submitted
                  limit p_batch);  -- versions are never updated: nothing to lock against
        when 'expired_sessions' then
            delete from shared.refresh_tokens as t
             where t.id in (select x.id from shared.refresh_tokens as x
                             where x.expires_at < v_cutoff
                             limit p_batch for update skip locked);
    end case;
    get diagnostics v_count = row_count;
    return v_count;
end;
$$;

comment on function shared.apply_retention(text, interval, integer, integer) is
    'Deletes one batch (at most p_batch rows) of one retention rule: delivered_events, ai_requests, versions (beyond the newest p_keep of a submission, never its last submitted version) or expired_sessions, older than p_older_than. Returns the rows deleted; call again until it returns 0. DBA use: select shared.apply_retention(''delivered_events'', interval ''90 days'');';

revoke all on function shared.apply_retention(text, interval, integer, integer) from public;

/** Section: the worker's entry point --------------------------------------------------------- */

create or replace function api.worker_apply_retention(p_rule text, p_older_than_days integer, p_batch integer,
                                                      p_keep integer default 50)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    return jsonb_build_object(
        'rule', p_rule,
        'deleted', shared.apply_retention(p_rule, pg_catalog.make_interval(days => p_older_than_days), p_batch, p_keep));
end;
$$;

comment on function api.worker_apply_retention(text, integer, integer, integer) is
    'The worker''s retention step: one batch of one rule (shared.apply_retention) with the age in days; {rule, deleted}.';

revoke all on function api.worker_apply_retention(text, integer, integer, integer) from public;
grant execute on function api.worker_apply_retention(text, integer, integer, integer) to fasttrack_worker;
