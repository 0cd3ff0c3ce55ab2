-- =============================================================================================
-- Functions that were replaced or renamed. The function files are re-applied with CREATE OR
-- REPLACE, which cannot remove a function or change its result type: that happens here, once,
-- before the function files (re-applied after every migration) define the current ones.
-- depends: 0005_rate_limit_counters_unlogged
-- =============================================================================================

/** Section: the api schema ------------------------------------------------------------------- */

comment on schema api is
    'The entry points of the service''s processes: the web layer (role fasttrack_api; each function reads the caller from request.jwt.claims), the delivery worker (role fasttrack_worker: the api.worker_* functions) and the operator commands (api.operator_*, database owner only). Each function is granted to one of the two roles at most; the rules they call live in shared.';

/** Section: api functions renamed after the shared function they call ------------------------ */

drop function if exists api.get_tool_data(text);                          -- api.get_submission
drop function if exists api.get_user_tool_data(uuid, text);               -- api.get_user_submission
drop function if exists api.save_tool_data(text, jsonb, integer);         -- api.save_draft
drop function if exists api.list_tool_versions(text);                     -- api.submission_history
drop function if exists api.restore_tool_version(text, uuid, integer);    -- api.restore_submission_version
drop function if exists api.start_over_tool(text);                        -- api.start_over
drop function if exists api.my_progress();                                -- api.get_progress
drop function if exists api.get_tool_dependencies(text);                  -- api.resolve_dependencies

/** Section: shared functions renamed or folded into another ---------------------------------- */

drop function if exists shared.progress_report(uuid);                     -- shared.get_progress
drop function if exists shared.raise_stale_version(text, integer, integer); -- shared.require_current_version

/** Section: earlier signatures --------------------------------------------------------------- */

drop function if exists shared.unlock_ready_tools(uuid);
drop function if exists shared.active_submission_row(shared.tools, uuid, boolean);
drop function if exists api.admin_list_events(text, integer, timestamp with time zone);

-- Result types that changed: shared.resolve_dependencies answers json (it was jsonb), and
-- shared.unlock_ready_tools the unlocked tools themselves (it was their slugs, text[]).
do $$
begin
    if exists (select from pg_catalog.pg_proc as p
                where p.oid = to_regprocedure('shared.resolve_dependencies(text, uuid)')
                  and p.prorettype = 'jsonb'::regtype) then
        drop function shared.resolve_dependencies(text, uuid);
    end if;
    if exists (select from pg_catalog.pg_proc as p
                where p.oid = to_regprocedure('shared.unlock_ready_tools(uuid, text)')
                  and p.prorettype = 'text[]'::regtype) then
        drop function shared.unlock_ready_tools(uuid, text);
    end if;
end;
$$;

/** Section: function files ------------------------------------------------------------------- */

-- 130_api_people.sql was split into one file per concern (130 to 138, 115_organizations.sql).
delete from shared.function_files where file_name = '130_api_people.sql';
