-- =============================================================================================
-- Entry points for a person's data: their export (themself, or an admin for anyone) and their
-- erasure (admins). The rules are in 205_person_data.sql and 210_erasure.sql.
-- =============================================================================================

/** Section: export --------------------------------------------------------------------------- */

create or replace function api.export_my_data()
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_caller shared.users := shared.require_caller();
begin
    perform shared.consume_rate_limit('exports', v_caller.id::text, shared.request_limit('exports'));
    return shared.person_data_export(v_caller.id);
end;
$$;

comment on function api.export_my_data() is
    'GET /api/me/data-export: everything the service keeps about the caller, as archive files (limited per minute with the other exports: RATE_LIMIT_EXPORTS).';

revoke all on function api.export_my_data() from public;
grant execute on function api.export_my_data() to fasttrack_api;

create or replace function api.admin_export_user_data(p_user_id uuid)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_admin shared.users := shared.require_admin();
begin
    perform shared.consume_rate_limit('exports', v_admin.id::text, shared.request_limit('exports'));
    return shared.person_data_export(p_user_id);
end;
$$;

comment on function api.admin_export_user_data(uuid) is
    'GET /api/admin/users/{id}/data-export: everything the service keeps about a user, for admins only (a guru reads a member''s tools, not their sessions, AI requests or audit). Counts against the admin''s RATE_LIMIT_EXPORTS; PT404 for an unknown user.';

revoke all on function api.admin_export_user_data(uuid) from public;
grant execute on function api.admin_export_user_data(uuid) to fasttrack_api;

/** Section: erasure -------------------------------------------------------------------------- */

create or replace function api.admin_erase_user(p_user_id uuid, p_reason text default null)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_admin shared.users := shared.require_admin();
begin
    if p_user_id = v_admin.id then
        raise sqlstate 'PT409'
            using message = 'You cannot erase your own account; ask another admin',
                  detail  = json_build_object('code', 'CANNOT_ERASE_SELF')::text;
    end if;
    return shared.erase_user(p_user_id, p_reason, v_admin.id);
end;
$$;

comment on function api.admin_erase_user(uuid, text) is
    'DELETE /api/admin/users/{id}: erases a user (shared.erase_user), with the admin''s optional reason; answers status erased, or already_erased for an id erased before; PT404 for an id never known; an admin cannot erase themself (PT409 CANNOT_ERASE_SELF).';

revoke all on function api.admin_erase_user(uuid, text) from public;
grant execute on function api.admin_erase_user(uuid, text) to fasttrack_api;
