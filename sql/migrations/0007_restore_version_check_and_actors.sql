-- =============================================================================================
-- A restore takes the version the caller last saw (like a save), so its functions gained a
-- parameter: the earlier signatures go here, once, before the function files define the new ones.
-- shared.progress_changes.changed_by_role now names the actor's role (its comment says how).
-- depends: 0006_one_name_per_function
-- =============================================================================================

/** Section: earlier signatures --------------------------------------------------------------- */

drop function if exists api.restore_submission_version(text, uuid, integer);
drop function if exists shared.restore_submission_version(text, uuid, uuid, integer);

/** Section: who changed a progress status ---------------------------------------------------- */

comment on column shared.progress_changes.changed_by_role is
    'The actor''s role: user, guru or admin (their user row) when the change came from a caller; the database login (session_user) for a DBA''s change.';
