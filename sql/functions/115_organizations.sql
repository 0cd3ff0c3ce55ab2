-- =============================================================================================
-- Organizations: the shape the admin API shows and the rules on their fields. Looking one up
-- is shared.require_organization (020_lookups.sql).
-- =============================================================================================

/** Section: organizations -------------------------------------------------------------------- */

create or replace function shared.organization_json(p_organization_id uuid)
returns jsonb
language sql
stable
set search_path = ''
as $$
    select to_jsonb(o.*)
           || jsonb_build_object(
                  'member_count', (select count(*) from shared.users as u where u.organization_id = o.id),
                  'gurus', (select coalesce(jsonb_agg(jsonb_build_object('id', u.id, 'email', u.email, 'full_name', u.full_name)
                                                      order by u.email), '[]')
                              from shared.organization_gurus as g join shared.users as u on u.id = g.user_id
                             where g.organization_id = o.id))
      from shared.organizations as o
     where o.id = p_organization_id;
$$;

comment on function shared.organization_json(uuid) is 'An organization with its member count and gurus, as the admin API shows it.';

revoke all on function shared.organization_json(uuid) from public;

create or replace function shared.require_organization_fields(p_name text, p_slug text, p_settings jsonb,
                                                              p_organization_id uuid default null)
returns void
language plpgsql
volatile
set search_path = ''
as $$
begin
    perform shared.require_text(p_name, 'name', 255, 'INVALID_ORGANIZATION');
    if p_slug is null or p_slug !~ '^[a-z0-9]+(-[a-z0-9]+)*$' or length(p_slug) > 255 then
        raise sqlstate 'PT422'
            using message = 'slug must be lowercase words joined by "-" (e.g. "acme-industries")',
                  detail  = json_build_object('code', 'INVALID_ORGANIZATION', 'field', 'slug')::text;
    end if;
    if p_settings is null or jsonb_typeof(p_settings) <> 'object' then
        raise sqlstate 'PT422'
            using message = 'settings must be a JSON object',
                  detail  = json_build_object('code', 'INVALID_ORGANIZATION', 'field', 'settings')::text;
    end if;
    if exists (select from shared.organizations as o
                where o.slug = p_slug and o.id is distinct from p_organization_id) then
        raise sqlstate 'PT409'
            using message = format('An organization with slug "%s" already exists', p_slug),
                  detail  = json_build_object('code', 'ORGANIZATION_SLUG_TAKEN', 'slug', p_slug)::text;
    end if;
end;
$$;

comment on function shared.require_organization_fields(text, text, jsonb, uuid) is
    'Checks an organization''s name, slug (unique among the other organizations) and settings; raises PT422 or PT409 naming the field.';

revoke all on function shared.require_organization_fields(text, text, jsonb, uuid) from public;

create or replace function shared.require_time_zone(p_time_zone text)
returns text
language plpgsql
stable
set search_path = ''
as $$
declare
    v_name text;
begin
    -- PostgreSQL reads zone names case-insensitively; keep the spelling of its catalogue.
    select z.name into v_name from pg_catalog.pg_timezone_names as z where lower(z.name) = lower(btrim(p_time_zone)) limit 1;
    if v_name is null then
        raise sqlstate 'PT422'
            using message = format('Unknown time zone "%s": use an IANA name such as "Europe/Amsterdam" or "UTC"', p_time_zone),
                  detail  = json_build_object('code', 'INVALID_TIME_ZONE', 'time_zone', p_time_zone)::text;
    end if;
    return v_name;
end;
$$;

comment on function shared.require_time_zone(text) is
    'Raises PT422 (INVALID_TIME_ZONE) unless the text names a zone of pg_timezone_names; returns the catalogue''s spelling.';

revoke all on function shared.require_time_zone(text) from public;

create or replace function shared.create_organization(p_name text, p_slug text, p_settings jsonb default '{}')
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_id uuid;
begin
    perform shared.require_organization_fields(p_name, p_slug, coalesce(p_settings, '{}'));
    insert into shared.organizations (name, slug, settings)
    values (btrim(p_name), p_slug, coalesce(p_settings, '{}'))
    returning id into v_id;
    return shared.organization_json(v_id);
end;
$$;

comment on function shared.create_organization(text, text, jsonb) is
    'Creates an organization after checking its fields (PT422, PT409 for a slug in use); returns it as the admin API shows it.';

revoke all on function shared.create_organization(text, text, jsonb) from public;
