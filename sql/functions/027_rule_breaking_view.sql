-- =============================================================================================
-- Work submitted before a rule existed stays submitted and its outputs keep flowing; this view
-- lists it, with its problems, so a guru can ask for a revision. It checks the stored answers
-- against today's rules each time it is read (a DBA's query, never a request's).
-- =============================================================================================

/** Section: the view ------------------------------------------------------------------------- */

create or replace function shared.refresh_rule_breaking_view()
returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_branches text;
begin
    select string_agg(format(
               'select %L::varchar(255) as tool_slug, s.id as submission_id, s.user_id, s.status, s.version, '
               's.submitted_at, s.data from %I.submissions as s '
               'where s.archived_at is null and s.status in (''submitted'', ''completed'')',
               t.slug, t.schema_name),
           E'\n    union all\n    ' order by t.sprint_number)
      into v_branches
      from shared.tools as t
     where exists (select from pg_catalog.pg_namespace as n where n.nspname = t.schema_name);

    if v_branches is null then
        return;
    end if;

    execute format($view$
        create or replace view shared.submissions_breaking_rules as
        select w.user_id, u.email, w.tool_slug, t.sprint_number, w.submission_id, w.status, w.version,
               w.submitted_at, c.problems
          from (%s) as w
          join shared.tools as t on t.slug = w.tool_slug
          join shared.users as u on u.id = w.user_id
         cross join lateral (select shared.answer_problems(w.tool_slug, w.data) as problems) as c
         where c.problems <> '[]'::jsonb
    $view$, v_branches);

    comment on view shared.submissions_breaking_rules is
        'Submitted or completed work (active submissions) whose answers break the tool''s current rules, with every problem: work submitted before a rule existed stays submitted, a guru can ask for a revision. DBA use: select email, tool_slug, version, submitted_at, problems from shared.submissions_breaking_rules;';
end;
$$;

comment on function shared.refresh_rule_breaking_view() is
    'Regenerates the view shared.submissions_breaking_rules over every tool schema (called by the registry sync when a schema is created).';

revoke all on function shared.refresh_rule_breaking_view() from public;
