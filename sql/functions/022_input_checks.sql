-- =============================================================================================
-- Checks of the plain inputs api functions pass on: each raises PT422 with a machine code naming
-- what is wrong, so no function copies the test or its message.
-- =============================================================================================

/** Section: answers and versions ------------------------------------------------------------- */

create or replace function shared.require_data_object(p_data jsonb)
returns void
language plpgsql
volatile
set search_path = ''
as $$
begin
    if p_data is null or jsonb_typeof(p_data) <> 'object' then
        raise sqlstate 'PT422'
            using message = 'data must be a JSON object of the tool''s answers',
                  detail  = json_build_object('code', 'INVALID_DATA', 'type', jsonb_typeof(p_data))::text;
    end if;
end;
$$;

comment on function shared.require_data_object(jsonb) is 'Raises PT422 (INVALID_DATA) unless the data is a JSON object.';

revoke all on function shared.require_data_object(jsonb) from public;

create or replace function shared.require_version(p_version integer)
returns integer
language plpgsql
volatile
set search_path = ''
as $$
begin
    if p_version is null or p_version < 0 then
        raise sqlstate 'PT422'
            using message = 'version must be the version you edited: 0 before the first save, then the number the last save returned',
                  detail  = json_build_object('code', 'INVALID_VERSION', 'version', p_version)::text;
    end if;
    return p_version;
end;
$$;

comment on function shared.require_version(integer) is 'Raises PT422 (INVALID_VERSION) unless the version is a number >= 0; returns it.';

revoke all on function shared.require_version(integer) from public;

create or replace function shared.require_text(p_value text, p_field text, p_max_length integer, p_code text)
returns text
language plpgsql
immutable
set search_path = ''
as $$
begin
    if p_value is null or btrim(p_value) = '' or char_length(p_value) > p_max_length then
        raise sqlstate 'PT422'
            using message = format('%s must be 1 to %s characters', p_field, p_max_length),
                  detail  = json_build_object('code', p_code, 'field', p_field)::text;
    end if;
    return btrim(p_value);
end;
$$;

comment on function shared.require_text(text, text, integer, text) is
    'A required text input (a name, a task), trimmed. Raises PT422 with the given code, naming the field, when it is missing, blank or longer than p_max_length characters.';

revoke all on function shared.require_text(text, text, integer, text) from public;

create or replace function shared.require_reason(p_reason text)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
    v_reason text := nullif(btrim(p_reason), '');
begin
    if char_length(v_reason) > 500 then
        raise sqlstate 'PT422'
            using message = 'reason must be at most 500 characters',
                  detail  = json_build_object('code', 'INVALID_REASON', 'length', char_length(v_reason))::text;
    end if;
    return v_reason;
end;
$$;

comment on function shared.require_reason(text) is
    'An admin''s reason for a change, trimmed (null when left out or blank). Raises PT422 (INVALID_REASON) over 500 characters.';

revoke all on function shared.require_reason(text) from public;

/** Section: pages ---------------------------------------------------------------------------- */

create or replace function shared.require_limit(p_limit integer, p_default integer, p_maximum integer)
returns integer
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_limit integer := coalesce(p_limit, p_default);
begin
    if v_limit not between 1 and p_maximum then
        raise sqlstate 'PT422'
            using message = format('limit must be between 1 and %s', p_maximum),
                  detail  = json_build_object('code', 'INVALID_LIMIT', 'limit', p_limit)::text;
    end if;
    return v_limit;
end;
$$;

comment on function shared.require_limit(integer, integer, integer) is
    'The page size to use: p_limit, or p_default when null. Raises PT422 (INVALID_LIMIT) unless it is between 1 and p_maximum.';

revoke all on function shared.require_limit(integer, integer, integer) from public;
