-- =============================================================================================
-- Coaching reads computed for a whole team or page at once: the team view reads its members'
-- answers in one pass (shared.team_field takes one output's answers, no longer every member),
-- and the organization list computes a page's figures together (shared.organization_summaries
-- replaces the per-organization shared.organization_summary). The function files define the
-- new ones; the old signatures go here.
-- depends: 0014_team_decisions
-- =============================================================================================

drop function if exists shared.team_field(shared.tool_fields, jsonb, boolean, integer);  -- now takes one output's answers
drop function if exists shared.organization_summary(shared.organizations);
