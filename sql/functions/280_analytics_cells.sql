-- =============================================================================================
-- How organization and program analytics show a figure: a number only when the users it is
-- taken over are at least shared.analytics_min_group() (ANALYTICS_MIN_GROUP), otherwise a
-- marker saying "too few to show" (shared.k_anonymous decides). The meta every answer carries
-- comes from shared.analytics_meta (271_analytics_refresh.sql).
-- =============================================================================================

/** Section: k-anonymity ---------------------------------------------------------------------- */

create or replace function shared.too_few_to_show()
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
begin
    return jsonb_build_object('too_few', true, 'text', 'too few to show');
end;
$$;

comment on function shared.too_few_to_show() is
    'What a figure over fewer than ANALYTICS_MIN_GROUP users shows instead of a number: {"too_few": true, "text": "too few to show"}.';

revoke all on function shared.too_few_to_show() from public;

create or replace function shared.analytics_cell(p_value numeric, p_users integer)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
begin
    -- the group size decides, whatever the value (a count of 0 over 3 users is hidden too)
    if not shared.k_anonymous(p_users) then
        return shared.too_few_to_show();
    end if;
    return pg_catalog.to_jsonb(p_value);
end;
$$;

comment on function shared.analytics_cell(numeric, integer) is
    'A figure taken over p_users users: the value (JSON null when there is none), or the "too few to show" marker when p_users < ANALYTICS_MIN_GROUP.';

revoke all on function shared.analytics_cell(numeric, integer) from public;

create or replace function shared.analytics_share(p_part integer, p_whole integer)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
begin
    -- a percentage with one decimal, over p_whole users
    return shared.analytics_cell(case when p_whole > 0 then round(100.0 * p_part / p_whole, 1) end, p_whole);
end;
$$;

comment on function shared.analytics_share(integer, integer) is
    'p_part as a percentage of p_whole (one decimal), shown only when p_whole >= ANALYTICS_MIN_GROUP.';

revoke all on function shared.analytics_share(integer, integer) from public;
