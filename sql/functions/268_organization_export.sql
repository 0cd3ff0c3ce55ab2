-- =============================================================================================
-- The organization's work as one archive (GET /api/organizations/{id}/export): the team report
-- of every tool with team activity (266_team_report.sql) and every member's export bundle of
-- every tool they saved (shared.export_bundle, the per-user export). The web layer zips them
-- and renders the team reports' PDFs.
-- Anonymous tools and outputs keep the team view's rule: a member's own bundle of an anonymous
-- tool is left out, and an anonymous output's answer is withheld from the member's bundles
-- (the team report shows it without names, from TEAM_MIN_RESPONDENTS answers on).
-- Bounded: bundles are added while the archive stays under p_max_bytes of JSON and
-- p_max_bundles files; what did not fit is listed in left_out, never computed.
-- =============================================================================================

/** Section: anonymous answers in a member's bundle ------------------------------------------- */

create or replace function shared.anonymous_field(p_tool_slug text, p_field_id text)
returns boolean
language sql
stable
set search_path = ''
as $$
    select coalesce((select t.anonymous or coalesce((f.rules ->> 'anonymous')::boolean, false)
                       from shared.tools as t
                       left join shared.tool_fields as f on f.tool_slug = t.slug and f.field_id = p_field_id
                      where t.slug = p_tool_slug), false);
$$;

comment on function shared.anonymous_field(text, text) is
    'Whether the registry marks a tool, or this output of it, anonymous (the team view names no one for it).';

revoke all on function shared.anonymous_field(text, text) from public;

create or replace function shared.without_anonymous_answers(p_bundle jsonb, p_tool shared.tools)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_answers jsonb := p_bundle -> 'answers';
    v_field shared.tool_fields;
begin
    for v_field in select f.* from shared.tool_fields as f
                    where f.tool_slug = p_tool.slug and coalesce((f.rules ->> 'anonymous')::boolean, false) loop
        v_answers := v_answers #- v_field.path;
    end loop;
    return p_bundle || jsonb_build_object(
        'answers', v_answers,
        'outputs', (select coalesce(jsonb_agg(case when shared.anonymous_field(p_tool.slug, o ->> 'field_id')
                                                   then o || '{"value": null, "withheld": true}' else o end
                                              order by n), '[]')
                      from jsonb_array_elements(p_bundle -> 'outputs') with ordinality as x (o, n)),
        'dependencies', (select coalesce(jsonb_agg(case when shared.anonymous_field(d ->> 'source_tool', d ->> 'field_id')
                                                        then d || '{"value": null, "withheld": true}' else d end
                                                   order by n), '[]')
                           from jsonb_array_elements(p_bundle -> 'dependencies') with ordinality as x (d, n)));
end;
$$;

comment on function shared.without_anonymous_answers(jsonb, shared.tools) is
    'A member''s export bundle with the answers to anonymous outputs (and dependency values read from them) withheld: value null, withheld true.';

revoke all on function shared.without_anonymous_answers(jsonb, shared.tools) from public;

/** Section: the archive ---------------------------------------------------------------------- */

create or replace function shared.organization_export(p_organization shared.organizations, p_min_respondents integer,
                                                      p_max_bytes bigint, p_max_bundles integer)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    v_bytes bigint := 0;
    v_files integer := 0;
    -- arrays, appended in place (a jsonb array would be copied whole at every append)
    v_reports jsonb[] := '{}';
    v_members jsonb[] := '{}';
    v_left_out jsonb[] := '{}';
    v_anonymous jsonb[] := '{}';
    v_left_out_count integer := 0;  -- everything left out; v_left_out names the first 1,000
    v_tool shared.tools;
    v_item record;
    v_document jsonb;
begin
    -- the team reports first: they are the meeting documents (one per tool some member saved)
    for v_tool in select t.* from shared.tools as t
                   where exists (select from shared.users as u
                                   join shared.user_progress as p on p.user_id = u.id and p.tool_slug = t.slug
                                  where u.organization_id = p_organization.id and p.status in ('in_progress', 'completed'))
                   order by t.sprint_number loop
        if v_files >= p_max_bundles or v_bytes >= p_max_bytes then
            v_left_out_count := v_left_out_count + 1;
            v_left_out := v_left_out || jsonb_build_object('kind', 'team_report', 'tool', shared.tool_ref(v_tool));
            continue;
        end if;
        v_document := shared.team_report(p_organization, v_tool, p_min_respondents);
        -- measured without its generation time, whose text length varies with the clock: the
        -- archive's size figures (and so its render fingerprint) stay the same for the same data
        v_bytes := v_bytes + octet_length((v_document - 'generated_at')::text);
        v_files := v_files + 1;
        v_reports := v_reports || v_document;
    end loop;

    -- then each member's bundle of each tool they saved, by member and sprint
    for v_item in select u.id as user_id, u.email, u.full_name, t as tool
                    from shared.users as u
                    join shared.user_progress as p on p.user_id = u.id and p.status in ('in_progress', 'completed')
                    join shared.tools as t on t.slug = p.tool_slug
                   where u.organization_id = p_organization.id
                   order by u.email, u.id, t.sprint_number loop
        if (v_item.tool).anonymous then
            v_anonymous := v_anonymous || jsonb_build_object(
                'user', jsonb_build_object('id', v_item.user_id, 'email', v_item.email, 'full_name', v_item.full_name),
                'tool', shared.tool_ref(v_item.tool));
            continue;
        end if;
        if v_files >= p_max_bundles or v_bytes >= p_max_bytes then
            v_left_out_count := v_left_out_count + 1;
            continue when v_left_out_count > 1000;
            v_left_out := v_left_out || jsonb_build_object(
                'kind', 'member_export',
                'user', jsonb_build_object('id', v_item.user_id, 'email', v_item.email, 'full_name', v_item.full_name),
                'tool', shared.tool_ref(v_item.tool));
            continue;
        end if;
        if shared.get_submission((v_item.tool).slug, v_item.user_id) ->> 'submission_id' is null then
            continue;  -- started over since: nothing saved to export
        end if;
        v_document := shared.without_anonymous_answers(shared.export_bundle((v_item.tool).slug, v_item.user_id), v_item.tool);
        v_bytes := v_bytes + octet_length((v_document - 'generated_at')::text);
        v_files := v_files + 1;
        v_members := v_members || v_document;
    end loop;

    return jsonb_build_object(
        'format_version', 1,
        'generated_at', pg_catalog.now(),
        'organization', jsonb_build_object('id', p_organization.id, 'name', p_organization.name, 'slug', p_organization.slug),
        'members', (select coalesce(jsonb_agg(jsonb_build_object('id', u.id, 'email', u.email, 'full_name', u.full_name)
                                              order by u.email, u.id), '[]')
                      from shared.users as u where u.organization_id = p_organization.id),
        'team_reports', pg_catalog.to_jsonb(v_reports),
        'member_exports', pg_catalog.to_jsonb(v_members),
        'anonymous_left_out', pg_catalog.to_jsonb(v_anonymous),
        'left_out', pg_catalog.to_jsonb(v_left_out),
        'left_out_count', v_left_out_count,
        'limits', jsonb_build_object('max_bytes', p_max_bytes, 'max_files', p_max_bundles, 'bytes', v_bytes));
end;
$$;

comment on function shared.organization_export(shared.organizations, integer, bigint, integer) is
    'The organization''s work for its archive: team_reports (every tool some member saved, in sprint order), member_exports (each member''s export bundle of each tool saved, anonymous answers withheld), anonymous_left_out (members'' bundles of anonymous tools), left_out (what did not fit p_max_bytes of JSON or p_max_bundles documents, not computed) and the members.';

revoke all on function shared.organization_export(shared.organizations, integer, bigint, integer) from public;
