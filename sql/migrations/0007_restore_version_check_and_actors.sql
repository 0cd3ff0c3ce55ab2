-- =============================================================================================
-- A restore takes the version the caller last saw (like a save), so its functions gained a
-- parameter: the earlier signatures go here, once, before the function files define the new ones.
-- shared.progress_changes.changed_by_role now names the actor's role (its comment says how).
-- An admin's unlock or re-lock of a tool may give a reason, kept in shared.admin_audit.
-- depends: 0006_one_name_per_function
-- =============================================================================================

/** Section: earlier signatures --------------------------------------------------------------- */

drop function if exists api.restore_submission_version(text, uuid, integer);
drop function if exists shared.restore_submission_version(text, uuid, uuid, integer);
drop function if exists api.admin_unlock_tool(uuid, text);                 -- gained p_reason
drop function if exists shared.audit(uuid, text, text, text, jsonb, jsonb); -- gained p_reason

/** Section: who changed a progress status ---------------------------------------------------- */

comment on column shared.progress_changes.changed_by_role is
    'The actor''s role: user, guru or admin (their user row) when the change came from a caller; the database login (session_user) for a DBA''s change.';

/** Section: why an admin changed something --------------------------------------------------- */

alter table shared.admin_audit add column reason text check (char_length(reason) between 1 and 500);

comment on column shared.admin_audit.reason is
    'Why the admin made the change, in their words (optional; an unlock or re-lock of a tool asks for it).';
