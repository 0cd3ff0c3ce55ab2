-- =============================================================================================
-- Sign-in state. The web layer checks signatures and issues access tokens (it holds the
-- secrets); these functions keep what must be shared and durable: users from SSO, used SSO
-- signatures, refresh-token families, and the failed-attempt counter per address.
-- Outcomes that must be committed (a revoked family) are returned as a status, not raised.
-- =============================================================================================

/** Section: helpers -------------------------------------------------------------------------- */

create or replace function shared.token_hash(p_token text)
returns bytea
language plpgsql
immutable
set search_path = ''
as $$
begin
    return pg_catalog.sha256(pg_catalog.convert_to(p_token, 'UTF8'));
end;
$$;

comment on function shared.token_hash(text) is 'SHA-256 of a token or signature: only hashes are stored.';

revoke all on function shared.token_hash(text) from public;

create or replace function shared.issue_refresh_token(p_user_id uuid, p_family_id uuid, p_token text)
returns void
language plpgsql
volatile
set search_path = ''
as $$
begin
    if p_token is null or length(p_token) < 32 then
        raise sqlstate 'PT422'
            using message = 'A refresh token must be at least 32 characters of randomness',
                  detail  = json_build_object('code', 'INVALID_REFRESH_TOKEN')::text;
    end if;
    insert into shared.refresh_tokens (family_id, user_id, token_hash, expires_at)
    values (p_family_id, p_user_id, shared.token_hash(p_token),
            pg_catalog.now() + make_interval(secs => coalesce((shared.request_context() ->> 'refresh_ttl_seconds')::integer, 604800)));
end;
$$;

comment on function shared.issue_refresh_token(uuid, uuid, text) is
    'Stores the hash of a new refresh token in a family; it expires after request.context refresh_ttl_seconds (7 days by default).';

revoke all on function shared.issue_refresh_token(uuid, uuid, text) from public;

/** Section: SSO ------------------------------------------------------------------------------ */

create or replace function api.sso_failed(p_reason text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_ip text := shared.request_context() ->> 'ip';
    v_remaining integer := shared.consume_rate_limit('sso_failures', v_ip, shared.request_limit('sso_failures'));
begin
    return jsonb_build_object('status', 'counted', 'reason', p_reason, 'remaining', v_remaining);
end;
$$;

comment on function api.sso_failed(text) is
    'Counts a failed SSO attempt against the client address; past RATE_LIMIT_SSO_FAILURES per minute raises PT429. Successful logins are never throttled by address.';

revoke all on function api.sso_failed(text) from public;
grant execute on function api.sso_failed(text) to fasttrack_api;

create or replace function api.sso_login(p_lms_user_id text, p_email text, p_full_name text,
                                         p_signature text, p_refresh_token text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_user shared.users;
    v_email text := lower(btrim(p_email));
    v_session_id uuid := gen_random_uuid();  -- the new refresh-token family
begin
    if coalesce(btrim(p_lms_user_id), '') = '' or length(p_lms_user_id) > 255
       or v_email !~ '^[^@\s]+@[^@\s]+$' or length(v_email) > 255
       or coalesce(btrim(p_full_name), '') = '' or length(p_full_name) > 255 then
        raise sqlstate 'PT422'
            using message = 'SSO needs a user id, a valid email and a name (each at most 255 characters)',
                  detail  = json_build_object('code', 'INVALID_SSO_PROFILE')::text;
    end if;

    -- a signature is good for one login only
    delete from shared.sso_signatures as s where s.used_at < pg_catalog.now() - interval '15 minutes';
    insert into shared.sso_signatures (signature_hash) values (shared.token_hash(p_signature))
        on conflict (signature_hash) do nothing;
    if not found then
        return jsonb_build_object('status', 'replayed');
    end if;

    if exists (select from shared.users as u where u.email = v_email and u.lms_user_id <> p_lms_user_id) then
        raise sqlstate 'PT409'
            using message = 'This email belongs to another LearnWorlds account; ask an admin to merge them',
                  detail  = json_build_object('code', 'EMAIL_TAKEN')::text;
    end if;
    insert into shared.users as u (lms_user_id, email, full_name, last_login)
    values (p_lms_user_id, v_email, btrim(p_full_name), pg_catalog.now())
        on conflict (lms_user_id) do update
       set email = excluded.email, full_name = excluded.full_name, last_login = excluded.last_login,
           updated_at = pg_catalog.now()
    returning u.* into v_user;

    perform shared.issue_refresh_token(v_user.id, v_session_id, p_refresh_token);
    perform shared.record_activity('login', v_user.id, v_user.organization_id, null);
    return jsonb_build_object('status', 'ok', 'user', shared.user_json(v_user), 'session_id', v_session_id);
end;
$$;

comment on function api.sso_login(text, text, text, text, text) is
    'POST /api/auth/sso after the signature checked out: creates or updates the LearnWorlds user (a login fact), refuses a replayed signature (status replayed) and starts a refresh-token family, the session (session_id) its access tokens name.';

revoke all on function api.sso_login(text, text, text, text, text) from public;
grant execute on function api.sso_login(text, text, text, text, text) to fasttrack_api;

/** Section: refresh and logout --------------------------------------------------------------- */

create or replace function api.refresh_session(p_refresh_token text, p_new_refresh_token text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_token shared.refresh_tokens;
    v_user shared.users;
begin
    select t.* into v_token from shared.refresh_tokens as t
     where t.token_hash = shared.token_hash(p_refresh_token) for update;
    if v_token.id is null then
        return jsonb_build_object('status', 'invalid');
    end if;
    if v_token.rotated_at is not null or v_token.revoked_at is not null then
        -- A token used twice was copied: end every session descended from that login.
        update shared.refresh_tokens as t set revoked_at = pg_catalog.now()
         where t.family_id = v_token.family_id and t.revoked_at is null;
        return jsonb_build_object('status', case when v_token.rotated_at is not null then 'reused' else 'invalid' end);
    end if;
    if v_token.expires_at <= pg_catalog.now() then
        return jsonb_build_object('status', 'expired');
    end if;

    select u.* into v_user from shared.users as u where u.id = v_token.user_id;
    perform shared.consume_rate_limit('default', v_user.id::text, shared.request_limit('default'));
    update shared.refresh_tokens as t set rotated_at = pg_catalog.now() where t.id = v_token.id;
    perform shared.issue_refresh_token(v_user.id, v_token.family_id, p_new_refresh_token);
    perform shared.record_refresh_login(v_user);
    return jsonb_build_object('status', 'ok', 'user', shared.user_json(v_user), 'session_id', v_token.family_id);
end;
$$;

comment on function api.refresh_session(text, text) is
    'POST /api/auth/refresh: rotates a refresh token (status ok with the user and the session_id, its family; a login fact after shared.session_gap() without one). Unknown or revoked: invalid; expired: expired; a rotated token used again: reused, and its whole family is revoked, which ends the session''s access tokens too.';

revoke all on function api.refresh_session(text, text) from public;
grant execute on function api.refresh_session(text, text) to fasttrack_api;

create or replace function api.logout(p_refresh_token text)
returns jsonb
language sql
volatile
security definer
set search_path = ''
as $$
    with presented as (
        select t.family_id from shared.refresh_tokens as t where t.token_hash = shared.token_hash(p_refresh_token)
    )
    update shared.refresh_tokens as t set revoked_at = pg_catalog.now()
      from presented as p
     where t.family_id = p.family_id and t.revoked_at is null;
    select jsonb_build_object('status', 'ok');
$$;

comment on function api.logout(text) is
    'POST /api/auth/logout: revokes the refresh token''s whole family (idempotent), which ends the session''s access tokens at once (shared.authenticated_user).';

revoke all on function api.logout(text) from public;
grant execute on function api.logout(text) to fasttrack_api;

create or replace function api.me()
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    return shared.user_json(shared.require_caller());
end;
$$;

comment on function api.me() is 'GET /api/auth/me: the calling user.';

revoke all on function api.me() from public;
grant execute on function api.me() to fasttrack_api;

/** Section: operators ------------------------------------------------------------------------ */

-- Not granted to fasttrack_api: only the database owner runs it (flask --app app create-user).
create or replace function api.operator_upsert_user(p_email text, p_full_name text default null,
                                                    p_role text default null, p_organization_slug text default null)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_email text := lower(btrim(p_email));
    v_organization_id uuid;
    v_user shared.users;
begin
    if v_email is null or v_email !~ '^[^@\s]+@[^@\s]+$' then
        raise sqlstate 'PT422'
            using message = 'A valid email is needed',
                  detail  = json_build_object('code', 'INVALID_EMAIL')::text;
    end if;
    if coalesce(p_role, 'user') not in ('user', 'guru', 'admin') then
        raise sqlstate 'PT422'
            using message = format('Unknown role "%s"; use user, guru or admin', p_role),
                  detail  = json_build_object('code', 'INVALID_ROLE', 'role', p_role)::text;
    end if;
    if p_organization_slug is not null then
        select o.id into v_organization_id from shared.organizations as o where o.slug = p_organization_slug;
        if v_organization_id is null then
            raise sqlstate 'PT404'
                using message = format('Unknown organization "%s"', p_organization_slug),
                      detail  = json_build_object('code', 'ORGANIZATION_NOT_FOUND', 'slug', p_organization_slug)::text;
        end if;
    end if;
    insert into shared.users as u (lms_user_id, email, full_name, role, organization_id)
    values ('local:' || v_email, v_email, coalesce(nullif(btrim(p_full_name), ''), split_part(v_email, '@', 1)),
            coalesce(p_role, 'user'), v_organization_id)
        on conflict (email) do update
       set role = coalesce(p_role, u.role),  -- no role given: an existing user keeps theirs
           full_name = case when p_full_name is null then u.full_name else excluded.full_name end,
           organization_id = coalesce(excluded.organization_id, u.organization_id),
           updated_at = pg_catalog.now()
    returning u.* into v_user;
    return shared.user_json(v_user);
end;
$$;

comment on function api.operator_upsert_user(text, text, text, text) is
    'Operator command (database owner only, not the web role): creates or updates a local user by email, for flask --app app create-user.';

revoke all on function api.operator_upsert_user(text, text, text, text) from public;

-- Not granted to fasttrack_api: only the database owner runs it (flask --app app create-organization).
create or replace function api.operator_create_organization(p_name text, p_slug text, p_time_zone text default 'UTC')
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
begin
    return shared.create_organization(p_name, p_slug,
                                      jsonb_build_object('time_zone', shared.require_time_zone(p_time_zone)));
end;
$$;

comment on function api.operator_create_organization(text, text, text) is
    'Operator command (database owner only, not the web role): creates an organization with its time zone in settings.time_zone, for flask --app app create-organization.';

revoke all on function api.operator_create_organization(text, text, text) from public;
