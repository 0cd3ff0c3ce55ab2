-- =============================================================================================
-- Web entry points for reading other users' progress and work: the user themself, the gurus of
-- their organization and admins. Access is decided by shared.require_visible_user and
-- shared.require_visible_organization (110_access.sql); anyone else gets the PT404 of an unknown id.
-- =============================================================================================

/** Section: reading other users' work -------------------------------------------------------- */

create or replace function api.get_user_progress(p_user_id uuid)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_user shared.users := shared.require_visible_user(shared.require_caller(), p_user_id);
begin
    return shared.get_progress(v_user.id)
           || jsonb_build_object('user', jsonb_build_object('id', v_user.id, 'email', v_user.email,
                                                            'full_name', v_user.full_name,
                                                            'organization_id', v_user.organization_id));
end;
$$;

comment on function api.get_user_progress(uuid) is
    'GET /api/users/{id}/progress: for the user themself, a guru of their organization, or an admin; anyone else PT404.';

revoke all on function api.get_user_progress(uuid) from public;
grant execute on function api.get_user_progress(uuid) to fasttrack_api;

create or replace function api.get_user_submission(p_user_id uuid, p_slug text)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    return shared.get_submission(p_slug, (shared.require_visible_user(shared.require_caller(), p_user_id)).id);
end;
$$;

comment on function api.get_user_submission(uuid, text) is
    'GET /api/users/{id}/tools/{slug}/data: a user''s active submission, for themself, their organization''s gurus and admins.';

revoke all on function api.get_user_submission(uuid, text) from public;
grant execute on function api.get_user_submission(uuid, text) to fasttrack_api;

create or replace function api.get_organization_progress(p_organization_id uuid)
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_organization shared.organizations := shared.require_visible_organization(shared.require_caller(), p_organization_id);
begin
    return jsonb_build_object(
        'organization', jsonb_build_object('id', v_organization.id, 'name', v_organization.name, 'slug', v_organization.slug),
        'members', (select coalesce(jsonb_agg(jsonb_build_object(
                                'user', jsonb_build_object('id', u.id, 'email', u.email, 'full_name', u.full_name, 'role', u.role),
                                'next_tool', (select shared.tool_ref(t) from shared.tools as t where t.slug = s.next_tool))
                            || (to_jsonb(s.*) - 'user_id' - 'next_tool') order by u.email), '[]')
                      from shared.users as u
                      join shared.progress_summary as s on s.user_id = u.id
                     where u.organization_id = v_organization.id));
end;
$$;

comment on function api.get_organization_progress(uuid) is
    'GET /api/organizations/{id}/progress: every member''s progress summary, for the organization''s gurus and admins (others PT404).';

revoke all on function api.get_organization_progress(uuid) from public;
grant execute on function api.get_organization_progress(uuid) to fasttrack_api;
