-- =============================================================================================
-- Admin entry points for organizations: list, create, update (audited). The rules on an
-- organization's fields live in 115_organizations.sql.
-- =============================================================================================

/** Section: admin: organizations ------------------------------------------------------------- */

create or replace function api.admin_list_organizations()
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    perform shared.require_admin();
    return (select coalesce(jsonb_agg(shared.organization_json(o.id) order by o.name), '[]') from shared.organizations as o);
end;
$$;

comment on function api.admin_list_organizations() is 'GET /api/admin/organizations: every organization with its member count and gurus.';

revoke all on function api.admin_list_organizations() from public;
grant execute on function api.admin_list_organizations() to fasttrack_api;

create or replace function api.admin_create_organization(p_name text, p_slug text, p_settings jsonb default '{}')
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_admin shared.users := shared.require_admin();
    v_after jsonb := shared.create_organization(p_name, p_slug, p_settings);
begin
    perform shared.audit(v_admin.id, 'create_organization', 'organization', v_after ->> 'id', null, v_after);
    return v_after;
end;
$$;

comment on function api.admin_create_organization(text, text, jsonb) is 'POST /api/admin/organizations: creates an organization (audited).';

revoke all on function api.admin_create_organization(text, text, jsonb) from public;
grant execute on function api.admin_create_organization(text, text, jsonb) to fasttrack_api;

create or replace function api.admin_update_organization(p_organization_id uuid, p_changes jsonb)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_admin shared.users := shared.require_admin();
    v_before shared.organizations := shared.require_organization(p_organization_id, p_for_update => true);
    v_name text;
    v_slug text;
    v_settings jsonb;
    v_after jsonb;
begin
    if p_changes is null or jsonb_typeof(p_changes) <> 'object'
       or exists (select from jsonb_object_keys(p_changes) as k where k not in ('name', 'slug', 'settings')) then
        raise sqlstate 'PT422'
            using message = 'Send an object with any of name, slug, settings',
                  detail  = json_build_object('code', 'INVALID_ORGANIZATION')::text;
    end if;
    v_name := case when p_changes ? 'name' then p_changes ->> 'name' else v_before.name end;
    v_slug := case when p_changes ? 'slug' then p_changes ->> 'slug' else v_before.slug end;
    v_settings := case when p_changes ? 'settings' then p_changes -> 'settings' else coalesce(v_before.settings, '{}') end;
    perform shared.require_organization_fields(v_name, v_slug, v_settings, v_before.id);
    update shared.organizations as o
       set name = btrim(v_name), slug = v_slug, settings = v_settings, updated_at = pg_catalog.now()
     where o.id = v_before.id;
    v_after := shared.organization_json(v_before.id);
    perform shared.audit(v_admin.id, 'update_organization', 'organization', v_before.id::text, to_jsonb(v_before), v_after);
    return v_after;
end;
$$;

comment on function api.admin_update_organization(uuid, jsonb) is 'PATCH /api/admin/organizations/{id}: changes name, slug or settings (audited).';

revoke all on function api.admin_update_organization(uuid, jsonb) from public;
grant execute on function api.admin_update_organization(uuid, jsonb) to fasttrack_api;
