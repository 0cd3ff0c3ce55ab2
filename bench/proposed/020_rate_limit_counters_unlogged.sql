-- =============================================================================================
-- PROPOSED new migration (e.g. sql/migrations/0005_rate_limit_counters_unlogged.sql; benchmark
-- evidence in docs/PERFORMANCE.md).
-- Measure it with: python -m bench --users 10000 --apply-sql bench/proposed/020_rate_limit_counters_unlogged.sql
--
-- Every api call counts itself in shared.rate_limit_counters (an upsert), so every request,
-- reads included, is a write transaction that waits at commit for its WAL to reach the disk.
-- Per-minute counters need no crash safety: an UNLOGGED table writes no WAL, and a transaction
-- that changed only unlogged tables commits without waiting for a flush. A crash empties the
-- table, which only forgets the current minute's counts.
-- =============================================================================================

alter table shared.rate_limit_counters set unlogged;
