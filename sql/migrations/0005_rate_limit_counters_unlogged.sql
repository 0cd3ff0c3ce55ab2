-- =============================================================================================
-- Rate-limit counters need no crash safety: every API call counts itself, so a logged table
-- made every request (reads included) wait at commit for its WAL to reach the disk. Unlogged,
-- a read's transaction commits without that wait; a crash only forgets the current minute.
-- depends: 0004_events_and_assist
-- =============================================================================================

alter table shared.rate_limit_counters set unlogged;
