-- =============================================================================================
-- Access: who the caller is, what they may see, how often they may call, and the admin audit.
-- Every api function starts from shared.require_caller() (or require_admin), so authentication,
-- the per-user rate limit and authorization are decided here, in one place.
-- =============================================================================================

/** Section: request context ------------------------------------------------------------------ */

create or replace function shared.request_context()
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
begin
    return coalesce(nullif(pg_catalog.current_setting('request.context', true), ''), '{}')::jsonb;
end;
$$;

comment on function shared.request_context() is
    'What the web layer knows about the request (ip, request_id, limits, refresh_ttl_seconds); {} outside a request.';

revoke all on function shared.request_context() from public;

/** Section: rate limits ---------------------------------------------------------------------- */

create or replace function shared.consume_rate_limit(p_bucket text, p_key text, p_limit integer)
returns integer
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_window timestamp with time zone := pg_catalog.date_trunc('minute', pg_catalog.now());
    v_hits integer;
begin
    if p_limit is null or p_key is null then
        return null;
    end if;
    insert into shared.rate_limit_counters as c (bucket, key, window_start, hits)
    values (p_bucket, p_key, v_window, 1)
        on conflict (bucket, key, window_start) do update set hits = c.hits + 1
    returning c.hits into v_hits;
    if v_hits = 1 then
        -- first hit of a new window: the key's older windows are of no further use
        delete from shared.rate_limit_counters as c
         where c.bucket = p_bucket and c.key = p_key and c.window_start < v_window;
    end if;
    if v_hits > p_limit then
        raise sqlstate 'PT429'
            using message = format('Too many requests: at most %s per minute. Try again shortly.', p_limit),
                  detail  = json_build_object('code', 'RATE_LIMITED', 'limit', p_limit,
                                              'retry_after', greatest(1, ceil(extract(epoch from
                                                  v_window + interval '1 minute' - pg_catalog.clock_timestamp()))::integer))::text;
    end if;
    return p_limit - v_hits;
end;
$$;

comment on function shared.consume_rate_limit(text, text, integer) is
    'Counts one request of a key in a bucket for the current minute; raises PT429 (RATE_LIMITED, retry_after) past the limit. A null limit or key counts nothing.';

revoke all on function shared.consume_rate_limit(text, text, integer) from public;

create or replace function shared.require_hourly_allowance(p_used integer, p_oldest timestamptz, p_limit integer,
                                                           p_what text)
returns void
language plpgsql
stable
set search_path = ''
as $$
begin
    if p_used >= p_limit then
        raise sqlstate 'PT429'
            using message = format('At most %s %s per hour; try again later', p_limit, p_what),
                  detail  = json_build_object('code', 'RATE_LIMITED', 'limit', p_limit, 'retry_after',
                                              greatest(1, ceil(extract(epoch from p_oldest + interval '1 hour' - pg_catalog.now()))::integer))::text;
    end if;
end;
$$;

comment on function shared.require_hourly_allowance(integer, timestamptz, integer, text) is
    'A sliding hourly limit: p_used requests in the last hour, the oldest at p_oldest; at p_limit raises PT429 (RATE_LIMITED, retry_after: when the oldest leaves the hour). The caller counts its own requests (under its user lock) and names them in p_what.';

revoke all on function shared.require_hourly_allowance(integer, timestamptz, integer, text) from public;

create or replace function shared.request_limit(p_bucket text)
returns integer
language plpgsql
stable
set search_path = ''
as $$
begin
    return (shared.request_context() -> 'limits' ->> p_bucket)::integer;
end;
$$;

comment on function shared.request_limit(text) is 'The per-minute limit the web layer configured for a bucket (null: none).';

revoke all on function shared.request_limit(text) from public;

/** Section: the caller ----------------------------------------------------------------------- */

create or replace function shared.authenticated_user()
returns shared.users
language plpgsql
stable
set search_path = ''
as $$
declare
    -- The claims are read once for both ids: this runs on every request, and each call of a
    -- function with SET search_path costs more than the lookup itself.
    v_claims jsonb := shared.request_claims();
    v_user_id text := v_claims ->> 'sub';
    v_session_id text := v_claims ->> 'sid';  -- the refresh-token family of the sign-in
    v_caller shared.users;
begin
    if v_user_id !~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$' then
        v_user_id := null;
    end if;
    if v_session_id !~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$' then
        v_session_id := '00000000-0000-0000-0000-000000000000';  -- no family has it: never live
    end if;
    if v_user_id is null then
        null;
    elsif v_session_id is not null then
        -- the user row, only while the token's session is live: one statement, two index probes
        select u.* into v_caller from shared.users as u
         where u.id = v_user_id::uuid
           and exists (select from shared.refresh_tokens as t
                        where t.family_id = v_session_id::uuid and t.user_id = u.id
                          and t.revoked_at is null);
    else  -- a token without a session (create-user's, or issued before tokens named one)
        select u.* into v_caller from shared.users as u where u.id = v_user_id::uuid;
    end if;
    if v_caller.id is null then
        -- refused: only now tell an ended session from an unknown user
        if v_session_id is not null and exists (select from shared.users as u where u.id = v_user_id::uuid) then
            raise sqlstate 'PT401'
                using message = 'This session has ended (signed out, or its refresh token was reused); sign in again',
                      detail  = json_build_object('code', 'SESSION_ENDED')::text;
        end if;
        raise sqlstate 'PT401'
            using message = 'Sign in first: this request has no valid user',
                  detail  = json_build_object('code', 'UNAUTHENTICATED')::text;
    end if;
    return v_caller;
end;
$$;

comment on function shared.authenticated_user() is
    'The calling user (claims sub, looked up so role and organization are current); PT401 UNAUTHENTICATED without one, PT401 SESSION_ENDED when the token names a session (claims sid) that logout or a reused refresh token revoked. Counts nothing: see shared.require_caller.';

revoke all on function shared.authenticated_user() from public;

create or replace function shared.require_caller()
returns shared.users
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_caller shared.users := shared.authenticated_user();
begin
    perform shared.consume_rate_limit('default', v_caller.id::text, shared.request_limit('default'));
    return v_caller;
end;
$$;

comment on function shared.require_caller() is
    'The calling user (claims sub, looked up so role and organization are current). Raises PT401 without one; counts the request against the per-user limit (PT429).';

revoke all on function shared.require_caller() from public;

create or replace function shared.require_admin()
returns shared.users
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_caller shared.users := shared.require_caller();
begin
    if v_caller.role <> 'admin' then
        raise sqlstate 'PT403'
            using message = 'Only admins may do this',
                  detail  = json_build_object('code', 'FORBIDDEN')::text;
    end if;
    return v_caller;
end;
$$;

comment on function shared.require_admin() is 'The calling user when an admin; raises PT403 (FORBIDDEN) for everyone else.';

revoke all on function shared.require_admin() from public;

create or replace function shared.guru_follows_organization(p_guru_id uuid, p_organization_id uuid)
returns boolean
language plpgsql
stable
set search_path = ''
as $$
begin
    -- assigned to the organization itself, or to its group or any group above it (the ids in
    -- the group's materialized path: one primary-key probe of group_gurus each)
    return exists (select from shared.users as u where u.id = p_guru_id and u.role = 'guru')
       and (exists (select from shared.organization_gurus as g
                     where g.user_id = p_guru_id and g.organization_id = p_organization_id)
            or exists (select from shared.organizations as o
                         join shared.organization_groups as grp on grp.id = o.group_id
                         join shared.group_gurus as gg
                           on gg.group_id = any (pg_catalog.string_to_array(pg_catalog.btrim(grp.path, '/'), '/')::uuid[])
                          and gg.user_id = p_guru_id
                        where o.id = p_organization_id));
end;
$$;

comment on function shared.guru_follows_organization(uuid, uuid) is
    'Whether a guru (still of role guru) coaches the organization: assigned to it, or to its group or a group above that. Every guru check goes through here.';

revoke all on function shared.guru_follows_organization(uuid, uuid) from public;

create or replace function shared.require_visible_user(p_caller shared.users, p_user_id uuid)
returns shared.users
language plpgsql
stable
set search_path = ''
as $$
declare
    v_user shared.users;
begin
    select u.* into v_user from shared.users as u where u.id = p_user_id;
    if v_user.id is null
       or not (p_caller.role = 'admin'
               or v_user.id = p_caller.id
               or (p_caller.role = 'guru' and v_user.organization_id is not null
                   and shared.guru_follows_organization(p_caller.id, v_user.organization_id))) then
        -- the same answer for "no such user" and "not yours": existence is not revealed
        raise sqlstate 'PT404'
            using message = 'Unknown user',
                  detail  = json_build_object('code', 'USER_NOT_FOUND', 'user_id', p_user_id)::text;
    end if;
    return v_user;
end;
$$;

comment on function shared.require_visible_user(shared.users, uuid) is
    'The user, when the caller may read their work: themself, a guru assigned to their organization, or an admin. Anyone else gets PT404, as for an unknown user.';

revoke all on function shared.require_visible_user(shared.users, uuid) from public;

create or replace function shared.require_visible_organization(p_caller shared.users, p_organization_id uuid)
returns shared.organizations
language plpgsql
volatile
set search_path = ''
as $$
begin
    -- the same answer for "no such organization" and "not yours": existence is not revealed
    return shared.require_organization(
               p_organization_id,
               p_visible => p_caller.role = 'admin' or shared.guru_follows_organization(p_caller.id, p_organization_id));
end;
$$;

comment on function shared.require_visible_organization(shared.users, uuid) is
    'The organization, when the caller may read its members'' work: an admin or a guru assigned to it. Anyone else gets PT404, as for an unknown organization.';

revoke all on function shared.require_visible_organization(shared.users, uuid) from public;

create or replace function shared.require_organization_reader(p_caller shared.users, p_organization_id uuid)
returns shared.organizations
language plpgsql
volatile
set search_path = ''
as $$
begin
    -- members read their team's schedule, notes, decisions and action items (never each
    -- other's answers: those stay behind require_visible_user / require_visible_organization)
    return shared.require_organization(
               p_organization_id,
               p_visible => p_caller.role = 'admin' or p_caller.organization_id = p_organization_id
                            or shared.guru_follows_organization(p_caller.id, p_organization_id));
end;
$$;

comment on function shared.require_organization_reader(shared.users, uuid) is
    'The organization, when the caller may read what the team shares (schedule, meeting notes, decisions, action items): a member of it, a guru coaching it, an admin. Anyone else gets PT404.';

revoke all on function shared.require_organization_reader(shared.users, uuid) from public;

/** Section: audit ---------------------------------------------------------------------------- */

create or replace function shared.audit(p_actor_id uuid, p_action text, p_target_type text, p_target_id text,
                                        p_before jsonb, p_after jsonb, p_reason text default null)
returns void
language sql
volatile
set search_path = ''
as $$
    insert into shared.admin_audit (actor_id, action, target_type, target_id, before, after, reason)
    values (p_actor_id, p_action, p_target_type, p_target_id, p_before, p_after, p_reason);
$$;

comment on function shared.audit(uuid, text, text, text, jsonb, jsonb, text) is
    'Records one admin change in shared.admin_audit, with the admin''s reason when they gave one (shared.require_reason checks it).';

revoke all on function shared.audit(uuid, text, text, text, jsonb, jsonb, text) from public;

create or replace function shared.user_json(p_user shared.users)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
begin
    return jsonb_build_object('id', p_user.id, 'email', p_user.email, 'full_name', p_user.full_name,
                              'role', p_user.role, 'organization_id', p_user.organization_id,
                              'lms_user_id', p_user.lms_user_id, 'last_login', p_user.last_login,
                              'created_at', p_user.created_at);
end;
$$;

comment on function shared.user_json(shared.users) is 'The public shape of a user in API answers.';

revoke all on function shared.user_json(shared.users) from public;
