-- =============================================================================================
-- Analytics facts (shared.activity_facts, migration 0016): what users did, written by the code
-- that did it, and the helpers every analytics figure shares.
--
-- Who writes which fact:
--   save        shared.tg_submission_effects, a write that changes a submission's data and is no
--               submit (an autosave, a save, a restored version; not the empty draft a start
--               over opens)                                              070_submission_triggers.sql
--   submit      shared.tg_submission_effects, every submit (shared.is_submit)      idem
--   unlock      shared.tg_progress_audit, a progress row going locked -> unlocked  050_progress.sql
--   start_over  shared.start_over                                                  080_submissions.sql
--   login       api.sso_login, and api.refresh_session when the user has had no sign-in for
--               shared.session_gap() (a new visit: the tool page signs in from its cookie)
--                                                                                  140_api_auth.sql
--
-- The k-anonymity threshold: ANALYTICS_MIN_GROUP, a service setting the web layer passes in
-- request.context (analytics_min_group) on every call, like the other limits SQL needs; read it
-- with shared.analytics_min_group() and hide small cells with shared.k_anonymous or
-- shared.group_figure.
-- =============================================================================================

/** Section: writing facts -------------------------------------------------------------------- */

-- One narrow insert, nothing looked up: every writer already has the organization at hand.
create or replace function shared.record_activity(p_kind text, p_user_id uuid, p_organization_id uuid,
                                                  p_tool_slug text)
returns void
language plpgsql
volatile
set search_path = ''
as $$
begin
    insert into shared.activity_facts (kind, user_id, organization_id, tool_slug)
    values (p_kind, p_user_id, p_organization_id, p_tool_slug);
end;
$$;

comment on function shared.record_activity(text, uuid, uuid, text) is
    'Records one analytics fact (save, submit, unlock, start_over, login) for a user, in the organization given, now.';

revoke all on function shared.record_activity(text, uuid, uuid, text) from public;

create or replace function shared.session_gap()
returns interval
language plpgsql
immutable
set search_path = ''
as $$
begin
    return interval '1 hour';
end;
$$;

comment on function shared.session_gap() is
    'How long without a sign-in makes a token refresh a new sign-in (a login fact): one hour.';

revoke all on function shared.session_gap() from public;

create or replace function shared.record_refresh_login(p_user shared.users)
returns void
language plpgsql
volatile
set search_path = ''
as $$
begin
    if not exists (select from shared.activity_facts as f
                    where f.user_id = p_user.id and f.occurred_at > pg_catalog.now() - shared.session_gap()
                      and f.kind = 'login') then
        perform shared.record_activity('login', p_user.id, p_user.organization_id, null);
    end if;
end;
$$;

comment on function shared.record_refresh_login(shared.users) is
    'A token refresh is a sign-in (a login fact) when the user has had none for shared.session_gap().';

revoke all on function shared.record_refresh_login(shared.users) from public;

/** Section: local dates ---------------------------------------------------------------------- */

create or replace function shared.organization_time_zone(p_organization_id uuid)
returns text
language plpgsql
stable
set search_path = ''
as $$
declare
    v_zone text;
begin
    select nullif(o.settings ->> 'time_zone', '') into v_zone from shared.organizations as o where o.id = p_organization_id;
    return coalesce(v_zone, 'UTC');
end;
$$;

comment on function shared.organization_time_zone(uuid) is
    'The organization''s time zone by id (settings.time_zone, as coaching reads it); UTC when it has none or there is no organization.';

revoke all on function shared.organization_time_zone(uuid) from public;

create or replace function shared.local_date(p_organization_id uuid, p_at timestamptz)
returns date
language plpgsql
stable
set search_path = ''
as $$
begin
    return (p_at at time zone shared.organization_time_zone(p_organization_id))::date;
end;
$$;

comment on function shared.local_date(uuid, timestamptz) is
    'The date a moment falls on in the organization''s time zone (UTC without one): the day an active day counts.';

revoke all on function shared.local_date(uuid, timestamptz) from public;

/** Section: k-anonymity ---------------------------------------------------------------------- */

create or replace function shared.analytics_min_group()
returns integer
language plpgsql
stable
set search_path = ''
as $$
begin
    return greatest(coalesce((shared.request_context() ->> 'analytics_min_group')::integer, 5), 1);
end;
$$;

comment on function shared.analytics_min_group() is
    'ANALYTICS_MIN_GROUP: the fewest users an aggregate may be computed over (request.context analytics_min_group, 5 without one).';

revoke all on function shared.analytics_min_group() from public;

create or replace function shared.k_anonymous(p_users integer)
returns boolean
language plpgsql
stable
set search_path = ''
as $$
begin
    return coalesce(p_users, 0) >= shared.analytics_min_group();
end;
$$;

comment on function shared.k_anonymous(integer) is
    'Whether an aggregate over p_users users may be shown (at least shared.analytics_min_group()).';

revoke all on function shared.k_anonymous(integer) from public;

create or replace function shared.group_figure(p_users integer, p_value jsonb)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
begin
    if shared.k_anonymous(p_users) then
        return p_value;
    end if;
    return shared.too_few_to_show();  -- 280_analytics_cells.sql
end;
$$;

comment on function shared.group_figure(integer, jsonb) is
    'An aggregate''s cell: the value when it covers at least ANALYTICS_MIN_GROUP users, else the marker {"too_few": true, "text": "too few to show"} (shared.too_few_to_show).';

revoke all on function shared.group_figure(integer, jsonb) from public;
