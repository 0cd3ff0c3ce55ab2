-- =============================================================================================
-- A restore takes the version the caller last saw (like a save), so its functions gained a
-- parameter: the earlier signatures go here, once, before the function files define the new ones.
-- depends: 0006_one_name_per_function
-- =============================================================================================

/** Section: earlier signatures --------------------------------------------------------------- */

drop function if exists api.restore_submission_version(text, uuid, integer);
drop function if exists shared.restore_submission_version(text, uuid, uuid, integer);
