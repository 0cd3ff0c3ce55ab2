-- =============================================================================================
-- Completion events. A submit records tool_completed, an unlock tool_unlocked, in the outbox and
-- in the same transaction: a rolled-back change sends nothing, a committed one is never lost.
-- The worker takes due events with FOR UPDATE SKIP LOCKED under a lease, so several workers can
-- run at once, and wakes on NOTIFY fasttrack_outbox (sent at commit only).
-- =============================================================================================

/** Section: recording ------------------------------------------------------------------------ */

create or replace function shared.record_event(p_event_type text, p_user_id uuid, p_tool_slug text, p_extra jsonb)
returns uuid
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_id uuid := gen_random_uuid();
begin
    insert into shared.outbox_events (id, event_type, user_id, tool_slug, payload)
    select v_id, p_event_type, p_user_id, p_tool_slug,
           jsonb_build_object(
               'event_id', v_id, 'type', p_event_type, 'occurred_at', pg_catalog.now(),
               'user', jsonb_build_object('id', u.id, 'email', u.email, 'lms_user_id', u.lms_user_id,
                                          'organization_id', u.organization_id),
               'tool', shared.tool_ref(t))
           || coalesce(p_extra, '{}')
      from shared.users as u, shared.tools as t
     where u.id = p_user_id and t.slug = p_tool_slug;
    return v_id;
end;
$$;

comment on function shared.record_event(text, uuid, text, jsonb) is
    'Writes one event (tool_completed or tool_unlocked) to the outbox with its full payload; the worker delivers it after commit.';

revoke all on function shared.record_event(text, uuid, text, jsonb) from public;

create or replace function shared.tg_outbox_notify()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
    perform pg_catalog.pg_notify('fasttrack_outbox', '');
    return null;
end;
$$;

comment on function shared.tg_outbox_notify() is 'Wakes listening workers when events are written (delivered at commit, never for a rollback).';

revoke all on function shared.tg_outbox_notify() from public;

create or replace trigger outbox_events_notify
    after insert on shared.outbox_events
    for each statement execute function shared.tg_outbox_notify();

comment on trigger outbox_events_notify on shared.outbox_events is 'NOTIFY fasttrack_outbox for the workers (shared.tg_outbox_notify).';

/** Section: the worker ----------------------------------------------------------------------- */

create or replace function api.worker_claim_events(p_worker text, p_limit integer default 10,
                                                   p_lease_seconds integer default 60)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_claimed jsonb;
begin
    perform shared.arm_scheduled_events();  -- coaching reminders and digests now due (256_coaching_nudges_digests.sql)
    with due as (
        select e.id
          from shared.outbox_events as e
         where e.status = 'pending'
           and e.next_attempt_at <= pg_catalog.now()
           and (e.locked_until is null or e.locked_until < pg_catalog.now())
         order by e.next_attempt_at
         limit greatest(coalesce(p_limit, 10), 1)
           for update skip locked
    ),
    claimed as (
        update shared.outbox_events as e
           set locked_by = p_worker,
               locked_until = pg_catalog.now() + make_interval(secs => greatest(coalesce(p_lease_seconds, 60), 1)),
               attempts = e.attempts + 1
          from due
         where e.id = due.id
        returning e.id, e.event_type, e.payload, e.attempts, e.delivered_to, e.created_at
    )
    select coalesce(jsonb_agg(to_jsonb(c.*) order by c.created_at), '[]') into v_claimed from claimed as c;
    return v_claimed;
end;
$$;

comment on function api.worker_claim_events(text, integer, integer) is
    'Worker: takes up to p_limit due events under a lease (skipping those another worker holds) and counts the attempt.';

revoke all on function api.worker_claim_events(text, integer, integer) from public;
grant execute on function api.worker_claim_events(text, integer, integer) to fasttrack_worker;

create or replace function shared.require_lease(p_event_id uuid, p_worker text)
returns shared.outbox_events
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_event shared.outbox_events;
begin
    select e.* into v_event from shared.outbox_events as e where e.id = p_event_id for update;
    if v_event.id is null or v_event.locked_by is distinct from p_worker or v_event.status <> 'pending' then
        raise sqlstate 'PT409'
            using message = 'This worker no longer holds that event',
                  detail  = json_build_object('code', 'LEASE_LOST', 'event_id', p_event_id)::text;
    end if;
    return v_event;
end;
$$;

comment on function shared.require_lease(uuid, text) is 'The event, locked, when the worker still holds its lease; PT409 (LEASE_LOST) otherwise.';

revoke all on function shared.require_lease(uuid, text) from public;

create or replace function api.worker_event_delivered(p_event_id uuid, p_worker text, p_delivered_to text[])
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    perform shared.require_lease(p_event_id, p_worker);
    update shared.outbox_events as e
       set status = 'delivered', delivered_at = pg_catalog.now(), delivered_to = coalesce(p_delivered_to, '{}'),
           locked_by = null, locked_until = null, last_error = null
     where e.id = p_event_id;
    return jsonb_build_object('event_id', p_event_id, 'status', 'delivered');
end;
$$;

comment on function api.worker_event_delivered(uuid, text, text[]) is 'Worker: every receiver acknowledged the event.';

revoke all on function api.worker_event_delivered(uuid, text, text[]) from public;
grant execute on function api.worker_event_delivered(uuid, text, text[]) to fasttrack_worker;

create or replace function api.worker_event_failed(p_event_id uuid, p_worker text, p_delivered_to text[], p_error text,
                                                   p_max_attempts integer, p_base_delay_seconds numeric,
                                                   p_max_delay_seconds numeric)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_event shared.outbox_events := shared.require_lease(p_event_id, p_worker);
    v_dead boolean := v_event.attempts >= p_max_attempts;
    v_delay numeric := least(p_max_delay_seconds, p_base_delay_seconds * power(2, greatest(v_event.attempts - 1, 0)));
begin
    update shared.outbox_events as e
       set status = case when v_dead then 'dead' else 'pending' end,
           next_attempt_at = pg_catalog.now() + make_interval(secs => v_delay::double precision),
           delivered_to = coalesce(p_delivered_to, e.delivered_to),
           last_error = left(p_error, 2000), locked_by = null, locked_until = null
     where e.id = p_event_id;
    return jsonb_build_object('event_id', p_event_id, 'status', case when v_dead then 'dead' else 'pending' end,
                              'attempts', v_event.attempts, 'retry_in_seconds', case when v_dead then null else v_delay end);
end;
$$;

comment on function api.worker_event_failed(uuid, text, text[], text, integer, numeric, numeric) is
    'Worker: a delivery failed. Retried after base * 2^(attempts-1) seconds (capped), or parked as dead after p_max_attempts.';

revoke all on function api.worker_event_failed(uuid, text, text[], text, integer, numeric, numeric) from public;
grant execute on function api.worker_event_failed(uuid, text, text[], text, integer, numeric, numeric) to fasttrack_worker;

create or replace function api.worker_release_event(p_event_id uuid, p_worker text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    perform shared.require_lease(p_event_id, p_worker);
    update shared.outbox_events as e
       set locked_by = null, locked_until = null, attempts = greatest(e.attempts - 1, 0)
     where e.id = p_event_id;
    return jsonb_build_object('event_id', p_event_id, 'status', 'pending');
end;
$$;

comment on function api.worker_release_event(uuid, text) is
    'Worker shutting down: gives back an event it had not delivered, without counting the attempt.';

revoke all on function api.worker_release_event(uuid, text) from public;
grant execute on function api.worker_release_event(uuid, text) to fasttrack_worker;

create or replace function api.worker_next_due()
returns jsonb
language sql
volatile
security definer
set search_path = ''
as $$
    -- greatest() skips nulls, so "none pending" is filtered out first: it must stay null, not 0.
    -- least() skips nulls too: a member reminder armed for later (meeting_schedules) wakes it as well
    select jsonb_build_object('seconds', (select greatest(0, extract(epoch from d.due - pg_catalog.now()))
                                            from (select least(
                                                      (select min(greatest(e.next_attempt_at, coalesce(e.locked_until, e.next_attempt_at)))
                                                         from shared.outbox_events as e where e.status = 'pending'),
                                                      (select min(m.meeting_at) - interval '48 hours' from shared.meeting_schedules as m
                                                        where m.reminded_at is null and m.meeting_at > pg_catalog.now())) as due) as d
                                           where d.due is not null));
$$;

comment on function api.worker_next_due() is 'Worker: seconds until the next pending event is due (null when none), to sleep until then or a NOTIFY.';

revoke all on function api.worker_next_due() from public;
grant execute on function api.worker_next_due() to fasttrack_worker;

/** Section: admins --------------------------------------------------------------------------- */

-- The cursor is (created_at, id): events of one transaction share created_at.
create or replace function api.admin_list_events(p_status text default null, p_limit integer default 100,
                                                 p_before timestamp with time zone default null,
                                                 p_before_id uuid default null)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_limit integer;
begin
    perform shared.require_admin();
    if p_status is not null and p_status not in ('pending', 'delivered', 'dead') then
        raise sqlstate 'PT422'
            using message = 'status must be pending, delivered or dead',
                  detail  = json_build_object('code', 'INVALID_STATUS', 'status', p_status)::text;
    end if;
    v_limit := shared.require_limit(p_limit, 100, 500);
    return (select coalesce(jsonb_agg(to_jsonb(e.*) - 'locked_by' order by e.created_at desc, e.id desc), '[]')
              from (select x.* from shared.outbox_events as x
                     where (p_status is null or x.status = p_status)
                       and (p_before is null
                            or (p_before_id is null and x.created_at < p_before)
                            or (p_before_id is not null and (x.created_at, x.id) < (p_before, p_before_id)))
                     order by x.created_at desc, x.id desc limit v_limit) as e);
end;
$$;

comment on function api.admin_list_events(text, integer, timestamp with time zone, uuid) is
    'GET /api/admin/events?status=dead: outbox events, newest first, optionally by status; the next page starts before the last one''s (created_at, id).';

revoke all on function api.admin_list_events(text, integer, timestamp with time zone, uuid) from public;
grant execute on function api.admin_list_events(text, integer, timestamp with time zone, uuid) to fasttrack_api;

create or replace function api.admin_retry_event(p_event_id uuid)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_admin shared.users := shared.require_admin();
    v_before shared.outbox_events;
begin
    select e.* into v_before from shared.outbox_events as e where e.id = p_event_id for update;
    if v_before.id is null then
        raise sqlstate 'PT404'
            using message = 'Unknown event',
                  detail  = json_build_object('code', 'EVENT_NOT_FOUND', 'event_id', p_event_id)::text;
    end if;
    if v_before.status <> 'dead' then
        raise sqlstate 'PT409'
            using message = format('Only dead events are retried; this one is %s', v_before.status),
                  detail  = json_build_object('code', 'EVENT_NOT_DEAD', 'status', v_before.status)::text;
    end if;
    update shared.outbox_events as e
       set status = 'pending', attempts = 0, next_attempt_at = pg_catalog.now(), last_error = null
     where e.id = p_event_id;
    perform pg_catalog.pg_notify('fasttrack_outbox', '');
    perform shared.audit(v_admin.id, 'retry_event', 'outbox_event', p_event_id::text,
                         jsonb_build_object('status', v_before.status, 'attempts', v_before.attempts),
                         jsonb_build_object('status', 'pending', 'attempts', 0));
    return jsonb_build_object('event_id', p_event_id, 'status', 'pending');
end;
$$;

comment on function api.admin_retry_event(uuid) is 'POST /api/admin/events/{id}/retry: sends a dead event again (audited).';

revoke all on function api.admin_retry_event(uuid) from public;
grant execute on function api.admin_retry_event(uuid) to fasttrack_api;
