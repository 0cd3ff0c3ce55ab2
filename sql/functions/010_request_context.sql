-- =============================================================================================
-- Who is calling. The web layer puts the authenticated caller in request.jwt.claims (PostgREST's
-- convention) for the length of one transaction; SQL reads it from there and nowhere else.
--
-- Functions called on every request are PL/pgSQL even when one expression would do: before
-- PostgreSQL 18, a LANGUAGE sql function with SET is never inlined, and its body is parsed and
-- planned again in every transaction that calls it; PL/pgSQL compiles once per session and
-- keeps its plans.
-- =============================================================================================

/** Section: claims --------------------------------------------------------------------------- */

create or replace function shared.request_claims()
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
begin
    return coalesce(nullif(pg_catalog.current_setting('request.jwt.claims', true), ''), '{}')::jsonb;
end;
$$;

comment on function shared.request_claims() is
    'The caller''s claims for this transaction ({} outside a web request, e.g. in the SQL editor).';

revoke all on function shared.request_claims() from public;

create or replace function shared.request_user_id()
returns uuid
language plpgsql
stable
set search_path = ''
as $$
declare
    v_sub text := shared.request_claims() ->> 'sub';
begin
    if v_sub is null or v_sub !~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$' then
        return null;
    end if;
    return v_sub::uuid;
end;
$$;

comment on function shared.request_user_id() is
    'The calling user''s id (claims sub), or null when there is no authenticated caller (DBA, migrate).';

revoke all on function shared.request_user_id() from public;
