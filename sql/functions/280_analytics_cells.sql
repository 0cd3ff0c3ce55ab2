-- =============================================================================================
-- How organization and program analytics show a figure: a number only when the users it is
-- taken over are at least shared.analytics_min_group() (ANALYTICS_MIN_GROUP), otherwise a
-- marker saying "too few to show"; and the meta every analytics answer carries (when it was
-- calculated, live or from a snapshot, when it is stale).
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

/** Section: meta ----------------------------------------------------------------------------- */

create or replace function shared.analytics_live_meta()
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
begin
    -- computed in this request: stale as soon as anyone saves again
    return jsonb_build_object('calculated_at', pg_catalog.now(), 'source', 'live', 'stale_after', pg_catalog.now());
end;
$$;

comment on function shared.analytics_live_meta() is
    'meta of a figure computed in this request: calculated_at = stale_after = now, source live.';

revoke all on function shared.analytics_live_meta() from public;

create or replace function shared.analytics_snapshot_meta(p_views text[])
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_calculated_at timestamptz;
begin
    -- the oldest of the views read; the next daily refresh makes it stale
    select min(r.calculated_at) into v_calculated_at
      from shared.analytics_refreshes as r where r.view_name = any (p_views);
    return jsonb_build_object('calculated_at', v_calculated_at, 'source', 'snapshot',
                              'stale_after', v_calculated_at + interval '1 day');
end;
$$;

comment on function shared.analytics_snapshot_meta(text[]) is
    'meta of figures read from materialized views: calculated_at the oldest refresh among them (shared.analytics_refreshes), stale_after one day later, source snapshot.';

revoke all on function shared.analytics_snapshot_meta(text[]) from public;
